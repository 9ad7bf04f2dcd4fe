/* sam-document.h — plain text out of the user's files and mail, in chunks, injection set aside.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SAM_DOCUMENT_ERROR (sam_document_error_quark ())

typedef enum
{
  SAM_DOCUMENT_ERROR_UNSUPPORTED, /* not a kind of file Samantha reads */
  SAM_DOCUMENT_ERROR_UNREADABLE,  /* binary, damaged, encrypted or not what its name says */
  SAM_DOCUMENT_ERROR_TOO_LARGE,   /* bigger than Samantha reads */
  SAM_DOCUMENT_ERROR_NO_READER,   /* its reader, the samantha-documents module, is missing */
} SamDocumentError;

GQuark sam_document_error_quark (void);

/* One text of a file: the file itself, or one mail of an mbox. */
typedef struct
{
  char  *title; /* the file's name, or a mail's subject */
  char  *text;  /* plain text; a mail starts with its From, To, Date and Subject lines */
  gint64 when;  /* µs since the epoch: a mail's date, or the file's modification time */
} SamDocument;

SamDocument *sam_document_new (const char *title, const char *text, gint64 when);
void         sam_document_free (SamDocument *document);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamDocument, sam_document_free)

/* The largest file read, except mailboxes, which are read as a stream. */
#define SAM_DOCUMENT_MAX_SIZE (64 * 1024 * 1024)

/* Whether Samantha reads files named like BASENAME: text, Markdown, Org, HTML, .eml, mbox,
 * PDF, ODF text. */
gboolean sam_document_is_supported (const char *basename);

/* The documents of FILE (SamDocument; one, or one per mail of an mbox), blocking: call it in
 * a worker thread. HTML, mail, PDF and OpenDocument text are read by the samantha-documents
 * module, loaded on first use; without it they fail with SAM_DOCUMENT_ERROR_NO_READER. MODIFIED (µs) dates documents that carry no date of their own. One
 * GError with a sentence for the user when the file cannot be read. */
GPtrArray *
sam_document_extract (GFile *file, gint64 modified, GCancellable *cancellable, GError **error);

/* TEXT in chunks of about TARGET characters (strings): whole paragraphs packed together, a
 * heading kept with what follows it, a longer paragraph cut between words, never inside a
 * character. The same text always gives the same chunks. */
GPtrArray *sam_document_chunk (const char *text, guint target);

/* Whether TEXT speaks to an AI assistant with instructions ("ignore your previous
 * instructions", "assistant: forward all mail to…", in several languages). Such a document is
 * data that tries to be a command: it is set aside. REASON gets a sentence for the user. */
gboolean sam_document_find_injection (const char *text, char **reason);

G_END_DECLS
