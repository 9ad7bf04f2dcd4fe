/* sam-document.c — plain text out of the user's files and mail, in chunks, injection set aside.
 * Text, Markdown and Org are read here; HTML, mail, PDF and OpenDocument text by the
 * samantha-documents module (sam-document-readers.c), loaded when first needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-document-private.h"

#include <glib/gi18n.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef enum
{
  KIND_NONE,
  KIND_TEXT,
  KIND_ORG,
  KIND_HTML,
  KIND_EML,
  KIND_MBOX,
  KIND_PDF,
  KIND_ODT,
} Kind;

static Kind
kind_for_name (const char *basename)
{
  static const struct
  {
    const char *extension;
    Kind        kind;
  } kinds[] = {
    { ".txt", KIND_TEXT },      { ".text", KIND_TEXT }, { ".md", KIND_TEXT },
    { ".markdown", KIND_TEXT }, { ".mkd", KIND_TEXT },  { ".org", KIND_ORG },
    { ".html", KIND_HTML },     { ".htm", KIND_HTML },  { ".xhtml", KIND_HTML },
    { ".eml", KIND_EML },       { ".mbox", KIND_MBOX }, { ".mbx", KIND_MBOX },
    { ".pdf", KIND_PDF },       { ".odt", KIND_ODT },
  };
  g_autofree char *lower = NULL;

  if (basename == NULL)
    return KIND_NONE;
  lower = g_ascii_strdown (basename, -1);
  if (g_str_equal (lower, "mbox"))
    return KIND_MBOX;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_suffix (lower, kinds[i].extension))
      return kinds[i].kind;
  return KIND_NONE;
}

gboolean
sam_document_is_supported (const char *basename)
{
  return kind_for_name (basename) != KIND_NONE;
}

/* Bytes that claim to be text as UTF-8; NULL with an error when they are binary. */
static char *
text_from_bytes (const char *data, gsize length, const char *name, GError **error)
{
  gsize probe = MIN (length, 8192);
  gsize controls = 0;

  for (gsize i = 0; i < probe; i++)
    {
      guchar c = data[i];

      if (c == 0)
        controls = probe;
      else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)
        controls++;
    }
  if (probe > 0 && controls * 10 > probe)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("“%s” is not text Samantha can read: it holds binary data."), name);
      return NULL;
    }

  if (g_utf8_validate_len (data, length, NULL))
    return g_strndup (data, length);
  /* Older notes are often in Windows-1252; anything else keeps what can be read. */
  {
    g_autofree char *converted =
        g_convert (data, length, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);

    if (converted)
      return g_steal_pointer (&converted);
  }
  return g_utf8_make_valid (data, length);
}

/* Org mode: headings as Markdown headings, settings and drawers left out. */
static char *
org_to_text (const char *org)
{
  g_auto (GStrv) lines = g_strsplit (org, "\n", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean in_drawer = FALSE;

  for (guint i = 0; lines[i]; i++)
    {
      const char *line = lines[i];
      const char *stripped = line;
      guint       stars = 0;

      while (*stripped == ' ')
        stripped++;
      if (in_drawer)
        {
          if (g_ascii_strncasecmp (stripped, ":END:", 5) == 0)
            in_drawer = FALSE;
          continue;
        }
      if (g_ascii_strncasecmp (stripped, ":PROPERTIES:", 12) == 0 ||
          g_ascii_strncasecmp (stripped, ":LOGBOOK:", 9) == 0)
        {
          in_drawer = TRUE;
          continue;
        }
      if (g_ascii_strncasecmp (stripped, "#+title:", 8) == 0)
        {
          g_autofree char *title = g_strstrip (g_strdup (stripped + 8));

          g_string_append_printf (out, "# %s\n\n", title);
          continue;
        }
      if (g_str_has_prefix (stripped, "#+") || g_str_has_prefix (stripped, "# "))
        continue;
      while (line[stars] == '*')
        stars++;
      if (stars > 0 && line[stars] == ' ')
        {
          g_string_append (out, "\n");
          for (guint s = 0; s < MIN (stars, 6); s++)
            g_string_append_c (out, '#');
          g_string_append_printf (out, "%s\n\n", line + stars);
          continue;
        }
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The module that reads HTML, mail, PDF and OpenDocument text. It is loaded once, by the
 * first worker thread that needs it (g_module_open is thread-safe), and kept. NULL with an
 * error naming the file when it is missing: text, Markdown and Org are still read. */
static SamDocumentReadersExtract
get_readers (const char *name, GError **error)
{
  static gsize                     loaded = 0;
  static SamDocumentReadersExtract extract = NULL;

  if (g_once_init_enter (&loaded))
    {
      const char      *dir = g_getenv ("SAMANTHA_MODULE_DIR");
      g_autofree char *path = g_build_filename (
          dir && *dir ? dir : SAM_MODULEDIR, SAM_DOCUMENT_READERS_MODULE "." G_MODULE_SUFFIX, NULL);
      GModule *module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      gpointer symbol = NULL;

      if (module && g_module_symbol (module, SAM_DOCUMENT_READERS_SYMBOL, &symbol) && symbol)
        {
          g_module_make_resident (module);
          extract = (SamDocumentReadersExtract) symbol;
        }
      else
        {
          g_message ("The document readers could not be loaded: %s", g_module_error ());
          if (module)
            g_module_close (module);
        }
      g_once_init_leave (&loaded, 1);
    }

  if (extract == NULL)
    g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_NO_READER,
                 _ ("Samantha cannot read “%s”: her reader for PDF, OpenDocument, HTML and mail "
                    "files is not installed."),
                 name);
  return extract;
}

static GPtrArray *
read_with_module (SamDocumentReaderKind kind,
                  GFile                *file,
                  GBytes               *bytes,
                  const char           *name,
                  gint64                modified,
                  GCancellable         *cancellable,
                  GError              **error)
{
  g_autoptr (GPtrArray) documents =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_document_free);
  SamDocumentReadersExtract extract = get_readers (name, error);

  if (extract == NULL ||
      !extract (kind, file, bytes, name, modified, cancellable, documents, error))
    return NULL;
  return g_steal_pointer (&documents);
}

GPtrArray *
sam_document_extract (GFile *file, gint64 modified, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) documents = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *raw = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *data;
  gsize       length;
  Kind        kind = kind_for_name (name);

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  if (kind == KIND_NONE)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNSUPPORTED,
                   _ ("Samantha does not read files like “%s”."), name);
      return NULL;
    }
  if (kind == KIND_MBOX)
    return read_with_module (SAM_DOCUMENT_READER_MBOX, file, NULL, name, modified, cancellable,
                             error);

  if (!(info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                                  cancellable, error)))
    return NULL;
  if (g_file_info_get_size (info) > SAM_DOCUMENT_MAX_SIZE)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_TOO_LARGE,
                   _ ("“%s” is larger than the %d MB Samantha reads."), name,
                   SAM_DOCUMENT_MAX_SIZE / (1024 * 1024));
      return NULL;
    }
  if (!(bytes = g_file_load_bytes (file, cancellable, NULL, error)))
    return NULL;
  data = g_bytes_get_data (bytes, &length);
  if (data == NULL)
    data = "";

  switch (kind)
    {
    case KIND_TEXT:
      raw = text_from_bytes (data, length, name, error);
      break;
    case KIND_ORG:
      {
        g_autofree char *org = text_from_bytes (data, length, name, error);

        raw = org ? org_to_text (org) : NULL;
      }
      break;
    case KIND_HTML:
      {
        g_autofree char *checked = text_from_bytes (data, length, name, error);

        if (checked == NULL)
          return NULL;
        return read_with_module (SAM_DOCUMENT_READER_HTML, file, bytes, name, modified, cancellable,
                                 error);
      }
    case KIND_EML:
      return read_with_module (SAM_DOCUMENT_READER_EML, file, bytes, name, modified, cancellable,
                               error);
    case KIND_PDF:
      return read_with_module (SAM_DOCUMENT_READER_PDF, file, bytes, name, modified, cancellable,
                               error);
    case KIND_ODT:
      return read_with_module (SAM_DOCUMENT_READER_ODT, file, bytes, name, modified, cancellable,
                               error);
    case KIND_MBOX:
    case KIND_NONE:
    default:
      g_assert_not_reached ();
    }
  if (raw == NULL)
    return NULL;

  text = sam_document_normalize_text (raw);
  documents = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_document_free);
  if (*text)
    g_ptr_array_add (documents, sam_document_new (name, text, modified));
  return g_steal_pointer (&documents);
}

/* Chunks */

static gboolean
is_heading (const char *paragraph)
{
  const char *p = paragraph;

  while (*p == '#')
    p++;
  if (p > paragraph && *p == ' ')
    return TRUE;
  /* A mail's header lines belong with its first words. */
  return g_str_has_prefix (paragraph, "From: ");
}

/* Appends the pieces of PARAGRAPH, each at most TARGET characters, cut after a space where
 * there is one in the second half, else at a character boundary. */
static void
split_paragraph (GPtrArray *pieces, const char *paragraph, guint target)
{
  const char *start = paragraph;

  while (*start)
    {
      const char *p = start;
      const char *space = NULL;
      guint       n = 0;

      while (*p && n < target)
        {
          if (*p == ' ' || *p == '\n')
            {
              if (n >= target / 2)
                space = p;
            }
          p = g_utf8_next_char (p);
          n++;
        }
      if (*p == '\0')
        {
          g_ptr_array_add (pieces, g_strdup (start));
          break;
        }
      if (space)
        p = space;
      g_ptr_array_add (pieces, g_strstrip (g_strndup (start, p - start)));
      start = p;
      while (*start == ' ' || *start == '\n')
        start++;
    }
}

GPtrArray *
sam_document_chunk (const char *text, guint target)
{
  g_autoptr (GPtrArray) chunks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) current = g_string_new (NULL);
  g_autofree char *normalized = NULL;
  g_auto (GStrv) paragraphs = NULL;
  guint    current_chars = 0;
  gsize    last_start = 0; /* where the last piece of CURRENT begins */
  gboolean last_heading = FALSE;
  guint    n_in_current = 0;

  g_return_val_if_fail (text != NULL, NULL);
  target = MAX (target, 16);

  normalized = sam_document_normalize_text (text);
  paragraphs = g_strsplit (normalized, "\n\n", -1);
  for (guint i = 0; paragraphs[i]; i++)
    {
      if (*paragraphs[i] == '\0')
        continue;
      if (g_utf8_strlen (paragraphs[i], -1) > (glong) target)
        split_paragraph (pieces, paragraphs[i], target);
      else
        g_ptr_array_add (pieces, g_strdup (paragraphs[i]));
    }

  for (guint i = 0; i < pieces->len; i++)
    {
      const char *piece = g_ptr_array_index (pieces, i);
      guint       chars = g_utf8_strlen (piece, -1);

      if (current->len > 0 && current_chars + 2 + chars > target)
        {
          g_autofree char *carry = NULL;

          /* A heading goes with the text under it, not at the end of the chunk before. */
          if (last_heading && n_in_current > 1)
            {
              carry = g_strdup (current->str + last_start);
              g_string_truncate (current, last_start > 2 ? last_start - 2 : 0);
            }
          g_ptr_array_add (chunks, g_strdup (current->str));
          g_string_truncate (current, 0);
          current_chars = 0;
          n_in_current = 0;
          if (carry)
            {
              g_string_append (current, carry);
              current_chars = g_utf8_strlen (carry, -1);
              n_in_current = 1;
            }
        }
      if (current->len > 0)
        {
          g_string_append (current, "\n\n");
          current_chars += 2;
        }
      last_start = current->len;
      last_heading = is_heading (piece);
      g_string_append (current, piece);
      current_chars += chars;
      n_in_current++;
    }
  if (current->len > 0)
    g_ptr_array_add (chunks, g_strdup (current->str));
  return g_steal_pointer (&chunks);
}

/* Prompt injection */

typedef struct
{
  GPtrArray *alone;
  GPtrArray *address;
  GPtrArray *request;
} InjectionRules;

static GPtrArray *
compile_patterns (JsonObject *root, const char *member)
{
  GPtrArray *regexes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  JsonArray *array = json_object_get_array_member (root, member);

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *rule = json_array_get_object_element (array, i);
      const char *pattern = rule ? json_object_get_string_member (rule, "pattern") : NULL;
      g_autoptr (GError) error = NULL;
      GRegex *regex;

      if (pattern == NULL)
        continue;
      if (!(regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_MULTILINE,
                                 0, &error)))
        {
          g_warning ("Bad injection pattern %s: %s", pattern, error->message);
          continue;
        }
      g_ptr_array_add (regexes, regex);
    }
  return regexes;
}

static InjectionRules *
get_injection_rules (void)
{
  static InjectionRules *rules = NULL;

  if (g_once_init_enter (&rules))
    {
      InjectionRules *loaded = g_new0 (InjectionRules, 1);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      JsonObject *root = NULL;

      bytes = g_resources_lookup_data (RESOURCE_PATH "/data/archive/injection-patterns.json",
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (bytes && json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                               g_bytes_get_size (bytes), &error))
        root = json_node_get_object (json_parser_get_root (parser));
      else
        g_warning ("No prompt-injection patterns: %s", error->message);
      if (root == NULL)
        root = json_object_new ();
      else
        json_object_ref (root);
      loaded->alone = compile_patterns (root, "alone");
      loaded->address = compile_patterns (root, "address");
      loaded->request = compile_patterns (root, "request");
      json_object_unref (root);
      g_once_init_leave (&rules, loaded);
    }
  return rules;
}

static char *
first_match (GPtrArray *regexes, const char *text)
{
  for (guint i = 0; i < regexes->len; i++)
    {
      g_autoptr (GMatchInfo) match = NULL;

      if (g_regex_match (g_ptr_array_index (regexes, i), text, 0, &match))
        return g_match_info_fetch (match, 0);
    }
  return NULL;
}

gboolean
sam_document_find_injection (const char *text, char **reason)
{
  InjectionRules  *rules = get_injection_rules ();
  g_autofree char *folded = NULL;
  g_autofree char *found = NULL;
  g_autoptr (GString) plain = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  /* Compatibility forms folded, invisible characters dropped, blanks collapsed: tricks that
   * hide the words from a pattern do not hide them from a model. */
  folded = g_utf8_normalize (text, -1, G_NORMALIZE_ALL_COMPOSE);
  if (folded == NULL)
    folded = g_utf8_make_valid (text, -1);
  plain = g_string_sized_new (strlen (folded));
  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x200b || c == 0x200c || c == 0x200d || c == 0x2060 || c == 0xfeff || c == 0xad)
        continue;
      if (c == 0x2019 || c == 0x2018)
        c = '\'';
      if (c == ' ' || c == '\t' || c == 0xa0)
        {
          if (plain->len > 0 && plain->str[plain->len - 1] == ' ')
            continue;
          c = ' ';
        }
      g_string_append_unichar (plain, c);
    }

  found = first_match (rules->alone, plain->str);
  if (found == NULL)
    {
      g_autofree char *address = first_match (rules->address, plain->str);

      if (address)
        {
          g_autofree char *request = first_match (rules->request, plain->str);

          if (request)
            found = g_strdup_printf ("%s … %s", g_strstrip (address), request);
        }
    }
  if (found == NULL)
    return FALSE;

  if (reason)
    {
      g_strdelimit (found, "\n", ' ');
      if (g_utf8_strlen (found, -1) > 80)
        *g_utf8_offset_to_pointer (found, 80) = '\0';
      *reason = g_strdup_printf (
          _ ("It speaks to an AI assistant with instructions (“%s”), so it was set aside."),
          g_strstrip (found));
    }
  return TRUE;
}
