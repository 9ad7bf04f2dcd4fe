/* sam-document.c — plain text out of the user's files and mail, in chunks, injection set aside.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-document.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <gsf/gsf.h>
#include <json-glib/json-glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <poppler.h>
#include <string.h>

/* GMime 3.2, libgsf 1.14 and poppler 22.12 declare no cleanup functions; newer ones may, so
 * these go by names of our own. */
typedef GMimeStream     SamMimeStream;
typedef GMimeParser     SamMimeParser;
typedef GMimeMessage    SamMimeMessage;
typedef GsfInput        SamGsfInput;
typedef GsfInfile       SamGsfInfile;
typedef PopplerDocument SamPdfDocument;
typedef PopplerPage     SamPdfPage;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamGsfInput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamGsfInfile, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamPdfDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamPdfPage, g_object_unref)

G_DEFINE_QUARK (sam - document - error - quark, sam_document_error)

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

SamDocument *
sam_document_new (const char *title, const char *text, gint64 when)
{
  SamDocument *document = g_new0 (SamDocument, 1);

  document->title = g_strdup (title);
  document->text = g_strdup (text);
  document->when = when;
  return document;
}

void
sam_document_free (SamDocument *document)
{
  if (document == NULL)
    return;
  g_free (document->title);
  g_free (document->text);
  g_free (document);
}

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

/* Line ends as \n, no control characters, no spaces at line ends, paragraphs apart by one
 * empty line, nothing around the whole. */
static char *
normalize_text (const char *text)
{
  g_autoptr (GString) out = g_string_sized_new (strlen (text));
  guint newlines = 0;
  gsize spaces = 0;

  for (const char *p = text; *p; p++)
    {
      char c = *p;

      if (c == '\r')
        {
          if (p[1] == '\n')
            continue;
          c = '\n';
        }
      if (c == '\n')
        {
          newlines++;
          spaces = 0;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
        {
          spaces++;
          continue;
        }
      if ((guchar) c < 0x20 || c == 0x7f)
        continue;

      if (out->len > 0 && newlines > 0)
        g_string_append (out, newlines > 1 ? "\n\n" : "\n");
      else if (out->len > 0 && spaces > 0)
        g_string_append_c (out, ' ');
      newlines = 0;
      spaces = 0;
      g_string_append_c (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
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

/* HTML */

typedef struct
{
  GString *out;
  gboolean pre;
} HtmlWalk;

static void
html_break (GString *out, const char *separator)
{
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append (out, separator);
}

static void
html_walk (HtmlWalk *walk, xmlNode *node)
{
  for (; node; node = node->next)
    {
      if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE)
        {
          const char *content = (const char *) node->content;

          if (content == NULL)
            continue;
          if (walk->pre)
            {
              g_string_append (walk->out, content);
              continue;
            }
          for (const char *p = content; *p; p++)
            {
              if (g_ascii_isspace (*p))
                {
                  if (walk->out->len > 0 && !g_ascii_isspace (walk->out->str[walk->out->len - 1]))
                    g_string_append_c (walk->out, ' ');
                }
              else
                g_string_append_c (walk->out, *p);
            }
        }
      else if (node->type == XML_ELEMENT_NODE)
        {
          const char *name = (const char *) node->name;
          gboolean    block;
          gboolean    heading;

          if (g_ascii_strcasecmp (name, "script") == 0 || g_ascii_strcasecmp (name, "style") == 0 ||
              g_ascii_strcasecmp (name, "head") == 0 ||
              g_ascii_strcasecmp (name, "noscript") == 0 ||
              g_ascii_strcasecmp (name, "template") == 0 || g_ascii_strcasecmp (name, "svg") == 0)
            continue;
          if (g_ascii_strcasecmp (name, "br") == 0)
            {
              html_break (walk->out, "\n");
              continue;
            }

          heading = strlen (name) == 2 && g_ascii_tolower (name[0]) == 'h' && name[1] >= '1' &&
                    name[1] <= '6';
          block = heading || g_strv_contains (
                                 (const char *const[]){
                                     "p",     "div",     "li",      "ul",         "ol",    "tr",
                                     "table", "section", "article", "blockquote", "pre",   "dd",
                                     "dt",    "header",  "footer",  "nav",        "aside", "main",
                                     "hr",    "figure",  "address", "td",         "th",    NULL },
                                 name);
          if (block)
            html_break (walk->out, g_str_equal (name, "td") || g_str_equal (name, "th") ? " "
                                   : g_str_equal (name, "li")                           ? "\n"
                                                                                        : "\n\n");
          if (heading)
            g_string_append (walk->out, "# ");
          if (g_ascii_strcasecmp (name, "pre") == 0)
            {
              walk->pre = TRUE;
              html_walk (walk, node->children);
              walk->pre = FALSE;
            }
          else
            html_walk (walk, node->children);
          if (block)
            html_break (walk->out, g_str_equal (name, "li") ? "\n" : "\n\n");
        }
    }
}

static char *
html_to_text (const char *html, gsize length, const char *encoding)
{
  htmlDocPtr doc;
  HtmlWalk   walk = { g_string_new (NULL), FALSE };

  if (length > G_MAXINT)
    length = G_MAXINT;
  doc = htmlReadMemory (html, (int) length, NULL, encoding,
                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                            HTML_PARSE_NONET | HTML_PARSE_COMPACT);
  if (doc)
    {
      html_walk (&walk, xmlDocGetRootElement (doc));
      xmlFreeDoc (doc);
    }
  {
    g_autofree char *raw = g_string_free (walk.out, FALSE);

    return normalize_text (raw);
  }
}

char *
sam_document_html_to_text (const char *html, gssize length)
{
  g_return_val_if_fail (html != NULL, NULL);
  return html_to_text (html, length < 0 ? strlen (html) : (gsize) length, "UTF-8");
}

/* Mail */

static void
gmime_init_once (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      g_once_init_leave (&initialized, 1);
    }
}

static void
mail_collect_text (GMimeObject *object, GString *out)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int             n = g_mime_multipart_get_count (multipart);

      if (g_mime_content_type_is_type (type, "multipart", "alternative"))
        {
          GMimeObject *best = NULL;
          int          best_rank = 0;

          /* Plain text over HTML over anything nested. */
          for (int i = 0; i < n; i++)
            {
              GMimeObject      *child = g_mime_multipart_get_part (multipart, i);
              GMimeContentType *child_type = g_mime_object_get_content_type (child);
              int               rank = g_mime_content_type_is_type (child_type, "text", "plain") ? 3
                                       : g_mime_content_type_is_type (child_type, "text", "html") ? 2
                                       : GMIME_IS_MULTIPART (child) ? 1
                                                                    : 0;

              if (rank > best_rank)
                {
                  best = child;
                  best_rank = rank;
                }
            }
          if (best)
            mail_collect_text (best, out);
          return;
        }
      for (int i = 0; i < n; i++)
        mail_collect_text (g_mime_multipart_get_part (multipart, i), out);
      return;
    }

  /* Attached mails and files are left out: only what the sender wrote counts. */
  if (!GMIME_IS_TEXT_PART (object) || g_mime_part_is_attachment (GMIME_PART (object)))
    return;
  if (g_mime_content_type_is_type (type, "text", "plain") ||
      g_mime_content_type_is_type (type, "text", "html"))
    {
      g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));

      if (text == NULL)
        return;
      if (out->len > 0)
        g_string_append (out, "\n\n");
      if (g_mime_content_type_is_type (type, "text", "html"))
        {
          g_autofree char *plain = sam_document_html_to_text (text, -1);

          g_string_append (out, plain);
        }
      else
        g_string_append (out, text);
    }
}

static SamDocument *
document_for_message (GMimeMessage *message, gint64 fallback_when)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *normalized = NULL;
  const char      *subject = g_mime_message_get_subject (message);
  GDateTime       *date = g_mime_message_get_date (message);
  gint64           when = fallback_when;

  from = internet_address_list_to_string (g_mime_message_get_from (message), NULL, FALSE);
  to = internet_address_list_to_string (g_mime_message_get_to (message), NULL, FALSE);
  if (from && *from)
    g_string_append_printf (text, "From: %s\n", from);
  if (to && *to)
    g_string_append_printf (text, "To: %s\n", to);
  if (date)
    {
      g_autofree char *day = g_date_time_format (date, "%Y-%m-%d %H:%M %z");

      g_string_append_printf (text, "Date: %s\n", day);
      when = g_date_time_to_unix (date) * G_USEC_PER_SEC;
    }
  if (subject && *subject)
    g_string_append_printf (text, "Subject: %s\n", subject);

  if (g_mime_message_get_mime_part (message))
    mail_collect_text (g_mime_message_get_mime_part (message), body);
  if (text->len == 0 && body->len == 0)
    return NULL;
  g_string_append (text, "\n");
  g_string_append (text, body->str);

  normalized = normalize_text (text->str);
  return sam_document_new (subject && *subject ? subject : "", normalized, when);
}

static GPtrArray *
extract_eml (const char *data, gsize length, const char *name, gint64 modified, GError **error)
{
  g_autoptr (GPtrArray) documents =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_document_free);
  g_autoptr (SamMimeStream) stream = NULL;
  g_autoptr (SamMimeParser) parser = NULL;
  g_autoptr (SamMimeMessage) message = NULL;
  SamDocument *document;

  gmime_init_once ();
  stream = g_mime_stream_mem_new_with_buffer (data, length);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL || (document = document_for_message (message, modified)) == NULL)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("“%s” is not a mail Samantha can read."), name);
      return NULL;
    }
  g_ptr_array_add (documents, document);
  return g_steal_pointer (&documents);
}

static GPtrArray *
extract_mbox (
    GFile *file, const char *name, gint64 modified, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) documents =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_document_free);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (SamMimeStream) stream = NULL;
  g_autoptr (SamMimeParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  guint n_messages = 0;

  gmime_init_once ();
  if (path == NULL || !(stream = g_mime_stream_fs_open (path, O_RDONLY, 0, &local_error)))
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("Could not open the mailbox “%s”: %s"), name,
                   local_error ? local_error->message : _ ("it is not a local file"));
      return NULL;
    }
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MBOX);

  while (!g_mime_parser_eos (parser))
    {
      g_autoptr (SamMimeMessage) message = NULL;
      SamDocument *document;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (!(message = g_mime_parser_construct_message (parser, NULL)))
        break;
      n_messages++;
      if ((document = document_for_message (message, modified)))
        g_ptr_array_add (documents, document);
    }

  if (n_messages == 0 && g_mime_stream_length (stream) > 0)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("“%s” is not a mailbox Samantha can read."), name);
      return NULL;
    }
  return g_steal_pointer (&documents);
}

/* PDF */

static char *
extract_pdf (GBytes *bytes, const char *name, GCancellable *cancellable, GError **error)
{
  g_autoptr (SamPdfDocument) document = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  int n_pages;

  if (!(document = poppler_document_new_from_bytes (bytes, NULL, &local_error)))
    {
      if (g_error_matches (local_error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
        g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                     _ ("“%s” is protected by a password, so Samantha cannot read it."), name);
      else
        g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                     _ ("“%s” is a damaged or incomplete PDF that Samantha cannot read."), name);
      return NULL;
    }

  n_pages = poppler_document_get_n_pages (document);
  for (int i = 0; i < n_pages; i++)
    {
      g_autoptr (SamPdfPage) page = poppler_document_get_page (document, i);
      g_autofree char *text = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (page && (text = poppler_page_get_text (page)))
        {
          if (out->len > 0)
            g_string_append (out, "\n\n");
          g_string_append (out, text);
        }
    }
  if (strspn (out->str, " \t\r\n\f") == out->len)
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("“%s” has no text to read; it may be a scanned image."), name);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ODF text: a zip whose content.xml holds the paragraphs. */

#define ODF_TEXT_NS   "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define ODF_OFFICE_NS "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

static gboolean
odf_is (xmlNode *node, const char *ns, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
         g_str_equal ((const char *) node->ns->href, ns) &&
         g_str_equal ((const char *) node->name, name);
}

static void
odf_inline (xmlNode *node, GString *out)
{
  for (; node; node = node->next)
    {
      if (node->type == XML_TEXT_NODE && node->content)
        g_string_append (out, (const char *) node->content);
      else if (odf_is (node, ODF_TEXT_NS, "s"))
        {
          g_autofree xmlChar *count =
              xmlGetNsProp (node, (const xmlChar *) "c", (const xmlChar *) ODF_TEXT_NS);
          int n = count ? CLAMP (atoi ((const char *) count), 1, 64) : 1;

          for (int i = 0; i < n; i++)
            g_string_append_c (out, ' ');
        }
      else if (odf_is (node, ODF_TEXT_NS, "tab"))
        g_string_append_c (out, '\t');
      else if (odf_is (node, ODF_TEXT_NS, "line-break"))
        g_string_append_c (out, '\n');
      else if (odf_is (node, ODF_OFFICE_NS, "annotation") ||
               odf_is (node, ODF_TEXT_NS, "note-citation"))
        continue;
      else if (node->type == XML_ELEMENT_NODE)
        odf_inline (node->children, out);
    }
}

static void
odf_blocks (xmlNode *node, GString *out)
{
  for (; node; node = node->next)
    {
      if (odf_is (node, ODF_TEXT_NS, "h") || odf_is (node, ODF_TEXT_NS, "p"))
        {
          g_string_append (out, "\n\n");
          if (odf_is (node, ODF_TEXT_NS, "h"))
            g_string_append (out, "# ");
          odf_inline (node->children, out);
        }
      else if (node->type == XML_ELEMENT_NODE && !odf_is (node, ODF_OFFICE_NS, "annotation"))
        odf_blocks (node->children, out);
    }
}

static char *
extract_odt (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr (SamGsfInput) input = NULL;
  g_autoptr (SamGsfInfile) zip = NULL;
  g_autoptr (SamGsfInput) content = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const guint8 *data;
  gsf_off_t     size;
  xmlDocPtr     doc;

  input = gsf_input_memory_new (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), FALSE);
  if (!(zip = gsf_infile_zip_new (input, NULL)) ||
      !(content = gsf_infile_child_by_name (zip, "content.xml")) ||
      (size = gsf_input_size (content)) <= 0 || size > SAM_DOCUMENT_MAX_SIZE ||
      !(data = gsf_input_read (content, size, NULL)) ||
      !(doc = xmlReadMemory ((const char *) data, (int) size, "content.xml", NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)))
    {
      g_set_error (error, SAM_DOCUMENT_ERROR, SAM_DOCUMENT_ERROR_UNREADABLE,
                   _ ("“%s” is a damaged OpenDocument text that Samantha cannot read."), name);
      return NULL;
    }
  odf_blocks (xmlDocGetRootElement (doc), out);
  xmlFreeDoc (doc);
  return g_string_free (g_steal_pointer (&out), FALSE);
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
    return extract_mbox (file, name, modified, cancellable, error);

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

        /* libxml2 finds the page's own charset when it is not UTF-8. */
        if (checked)
          raw = html_to_text (data, length,
                              g_utf8_validate_len (data, length, NULL) ? "UTF-8" : NULL);
      }
      break;
    case KIND_EML:
      return extract_eml (data, length, name, modified, error);
    case KIND_PDF:
      raw = extract_pdf (bytes, name, cancellable, error);
      break;
    case KIND_ODT:
      raw = extract_odt (bytes, name, error);
      break;
    case KIND_MBOX:
    case KIND_NONE:
    default:
      g_assert_not_reached ();
    }
  if (raw == NULL)
    return NULL;

  text = normalize_text (raw);
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

  normalized = normalize_text (text);
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
