/* sam-fact-extractor.h — learns dated, self-contained facts about the user from a turn or a file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/sam-provider.h"
#include "store/sam-memory-store.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

/* Where a text comes from, for the facts learned from it. */
typedef struct
{
  gint64      conversation_id; /* 0 for a file */
  gint64      message_id;      /* 0 for a file */
  const char *source_path;     /* NULL for a conversation */
  gint64      when;            /* µs since the epoch: the date the text speaks from */
  gboolean    review_all;      /* TRUE: every fact waits for review (files, mail) */
} SamFactSource;

#define SAM_TYPE_FACT_EXTRACTOR (sam_fact_extractor_get_type ())

G_DECLARE_FINAL_TYPE (SamFactExtractor, sam_fact_extractor, SAM, FACT_EXTRACTOR, GObject)

SamFactExtractor      *
sam_fact_extractor_new (SamStore *store, SamProvider *provider, const char *model);
void sam_fact_extractor_extract_async (SamFactExtractor    *self,
                                       const char          *text,
                                       const SamFactSource *source,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
GPtrArray *
sam_fact_extractor_extract_finish (SamFactExtractor *self, GAsyncResult *result, GError **error);

/* Whether TEXT speaks of health, sexuality, religion, politics, finances or the like: such a
 * fact waits for the user's review whatever the model said. */
gboolean sam_fact_text_is_sensitive (const char *text);

/* The facts of a model's answer, parsed but not stored (for tests and the extractor). The
 * JSON may sit in a code fence or after some words. Ids in "replaces" that are not in
 * OFFERED_IDS (gint64 keys; NULL for none) are dropped. REPLACES gets, per fact, a GArray of
 * gint64 ids or NULL. NULL with an error when the answer is not the JSON asked for. */
GPtrArray *sam_fact_extractor_parse (const char          *answer,
                                     const SamFactSource *source,
                                     GHashTable          *offered_ids,
                                     GPtrArray          **replaces,
                                     GError             **error);

G_END_DECLS
