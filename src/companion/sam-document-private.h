/* sam-document-private.h — what sam-document.c shares with the samantha-documents module, which
 * reads HTML, mail, PDF and OpenDocument text so that the program need not load their libraries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-document.h"

G_BEGIN_DECLS

typedef enum
{
  SAM_DOCUMENT_READER_HTML,
  SAM_DOCUMENT_READER_EML,
  SAM_DOCUMENT_READER_MBOX,
  SAM_DOCUMENT_READER_PDF,
  SAM_DOCUMENT_READER_ODT,
} SamDocumentReaderKind;

/* The module's file name without its suffix, looked for in $SAMANTHA_MODULE_DIR when that is
 * set (the build tree, for tests), else in the installed libdir/samantha. */
#define SAM_DOCUMENT_READERS_MODULE "samantha-documents"

/* Its one entry point. The version is in the name: a module of another version is not used. */
#define SAM_DOCUMENT_READERS_SYMBOL "sam_document_readers_extract_v1"

/* Appends the documents of FILE (named NAME) to DOCUMENTS (SamDocument): BYTES are its
 * contents, NULL for a mailbox, which is read as a stream from FILE. MODIFIED (µs) dates
 * documents that carry no date of their own. Blocking. FALSE with one GError with a sentence
 * for the user when the file cannot be read. */
typedef gboolean (*SamDocumentReadersExtract) (SamDocumentReaderKind kind,
                                               GFile                *file,
                                               GBytes               *bytes,
                                               const char           *name,
                                               gint64                modified,
                                               GCancellable         *cancellable,
                                               GPtrArray            *documents,
                                               GError              **error);

gboolean sam_document_readers_extract_v1 (SamDocumentReaderKind kind,
                                          GFile                *file,
                                          GBytes               *bytes,
                                          const char           *name,
                                          gint64                modified,
                                          GCancellable         *cancellable,
                                          GPtrArray            *documents,
                                          GError              **error);

/* Line ends as \n, no control characters, no spaces at line ends, paragraphs apart by one
 * empty line, nothing around the whole. */
char *sam_document_normalize_text (const char *text);

G_END_DECLS
