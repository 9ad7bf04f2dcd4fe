/* sam-document-readers.c — the samantha-documents module: plain text out of HTML, mail (.eml,
 * mbox), PDF and OpenDocument text, with libxml2, GMime, poppler and libgsf. The program loads
 * it when it first reads such a file, so that starting it does not load those libraries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-document-private.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <gmodule.h>
#include <gsf/gsf.h>
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

    return sam_document_normalize_text (raw);
  }
}

/* An HTML part of a mail, which GMime gives as UTF-8. */
static char *
html_part_to_text (const char *html)
{
  return html_to_text (html, strlen (html), "UTF-8");
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
          g_autofree char *plain = html_part_to_text (text);

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

  normalized = sam_document_normalize_text (text->str);
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

/* Run by g_module_open(), which loads the module once, from the first worker thread that reads
 * such a file: libxml2 and GMime are set up there, before any use. */
G_MODULE_EXPORT const char *g_module_check_init (GModule *module);

G_MODULE_EXPORT const char *
g_module_check_init (GModule *module)
{
  xmlInitParser ();
  gmime_init_once ();
  return NULL;
}

/* The text of a file that is one document, as one document; none when it is empty. */
static void
add_text (GPtrArray *documents, const char *raw, const char *name, gint64 modified)
{
  g_autofree char *text = sam_document_normalize_text (raw);

  if (*text)
    g_ptr_array_add (documents, sam_document_new (name, text, modified));
}

G_MODULE_EXPORT gboolean
sam_document_readers_extract_v1 (SamDocumentReaderKind kind,
                                 GFile                *file,
                                 GBytes               *bytes,
                                 const char           *name,
                                 gint64                modified,
                                 GCancellable         *cancellable,
                                 GPtrArray            *documents,
                                 GError              **error)
{
  g_autoptr (GPtrArray) mails = NULL;
  g_autofree char *raw = NULL;
  const char      *data = NULL;
  gsize            length = 0;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (bytes != NULL || kind == SAM_DOCUMENT_READER_MBOX, FALSE);

  if (bytes && !(data = g_bytes_get_data (bytes, &length)))
    data = "";

  switch (kind)
    {
    case SAM_DOCUMENT_READER_MBOX:
      mails = extract_mbox (file, name, modified, cancellable, error);
      break;
    case SAM_DOCUMENT_READER_EML:
      mails = extract_eml (data, length, name, modified, error);
      break;
    case SAM_DOCUMENT_READER_HTML:
      /* libxml2 finds the page's own charset when it is not UTF-8. */
      raw = html_to_text (data, length, g_utf8_validate_len (data, length, NULL) ? "UTF-8" : NULL);
      break;
    case SAM_DOCUMENT_READER_PDF:
      raw = extract_pdf (bytes, name, cancellable, error);
      break;
    case SAM_DOCUMENT_READER_ODT:
      raw = extract_odt (bytes, name, error);
      break;
    default:
      g_return_val_if_reached (FALSE);
    }

  if (kind == SAM_DOCUMENT_READER_MBOX || kind == SAM_DOCUMENT_READER_EML)
    {
      if (mails == NULL)
        return FALSE;
      g_ptr_array_extend_and_steal (documents, g_steal_pointer (&mails));
      return TRUE;
    }
  if (raw == NULL)
    return FALSE;
  add_text (documents, raw, name, modified);
  return TRUE;
}
