/* sam-document-common.c — the parts of reading documents that both the program and the
 * samantha-documents module use: documents, their error domain and text clean-up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-document-private.h"

#include <string.h>

G_DEFINE_QUARK (sam - document - error - quark, sam_document_error)

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

char *
sam_document_normalize_text (const char *text)
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
