/* sam-memory-store.h — the memory tables of the store: facts, core blocks, archive chunks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "sam-store.h"

G_BEGIN_DECLS

typedef enum
{
  SAM_FACT_STATUS_APPROVED,
  SAM_FACT_STATUS_PENDING_REVIEW, /* from files or mail, or sensitive: waits for the user */
} SamFactStatus;

/* One fact the companion remembers. Times are microseconds since the epoch, UTC; -1 (or 0
 * for ids) when unset. */
typedef struct
{
  gint64        id;
  char         *text; /* self-contained and dated: "Anna started a pottery class in May 2023" */
  char         *kind; /* preference, person, plan, event, health, work, fact… */
  gint64        conversation_id;
  gint64        message_id;
  char         *source_path; /* the file it came from, or NULL */
  gint64        created;
  gint64        valid_from;
  gint64        valid_to;       /* -1 while it still holds */
  gint64        invalidated_by; /* the fact that replaced it, or 0 */
  double        importance;     /* 0 … 1 */
  gboolean      sensitive;
  gboolean      pinned;
  SamFactStatus status;
} SamFact;

SamFact *sam_fact_new (const char *text, const char *kind);
SamFact *sam_fact_copy (const SamFact *fact);
void     sam_fact_free (SamFact *fact);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamFact, sam_fact_free)

typedef enum
{
  SAM_FACT_FILTER_ALL,     /* everything, also no longer valid */
  SAM_FACT_FILTER_CURRENT, /* approved and still valid: what recall may use */
  SAM_FACT_FILTER_PENDING, /* the review queue */
} SamFactFilter;

/* Facts. Adding sets FACT->id and FACT->created (when unset). */
gboolean   sam_store_add_fact (SamStore *self, SamFact *fact, GError **error);
SamFact   *sam_store_get_fact (SamStore *self, gint64 id, GError **error);
GPtrArray *sam_store_list_facts (SamStore *self, SamFactFilter filter, GError **error);
/* The newest facts recall may use (approved, still valid) that have no embedding by MODEL,
 * at most LIMIT: what the next embedding request should carry. Read in a worker thread. */
void sam_store_list_facts_to_embed_async (SamStore           *self,
                                          const char         *model,
                                          guint               limit,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
GPtrArray *
sam_store_list_facts_to_embed_finish (SamStore *self, GAsyncResult *result, GError **error);
gboolean sam_store_set_fact_text (SamStore *self, gint64 id, const char *text, GError **error);
gboolean sam_store_set_fact_pinned (SamStore *self, gint64 id, gboolean pinned, GError **error);
gboolean
sam_store_set_fact_status (SamStore *self, gint64 id, SamFactStatus status, GError **error);
/* Adds every fact of FACTS (SamFact) and marks the facts each one replaces no longer valid,
 * all or nothing. REPLACES is NULL or parallel to FACTS: for each fact a GArray of gint64 ids,
 * or NULL. A fact waiting for review replaces nothing. */
gboolean
sam_store_add_facts (SamStore *self, GPtrArray *facts, GPtrArray *replaces, GError **error);
/* Marks fact ID no longer valid from WHEN on, replaced by REPLACED_BY (or 0). Kept. */
gboolean sam_store_invalidate_fact (
    SamStore *self, gint64 id, gint64 replaced_by, gint64 when, GError **error);
/* Deletes the fact, its index entries, and overwrites the freed space on disk. */
gboolean sam_store_forget_fact (SamStore *self, gint64 id, GError **error);
/* Every fact, core block, archive chunk, remembered failure of a file and conversation
 * summary, gone the same way. Conversations stay. */
gboolean sam_store_forget_all_memories (SamStore *self, GError **error);

/* Core blocks: "persona", "user", "relationship", "now", "style". */
gboolean sam_store_is_core_block_label (const char *label);
char    *sam_store_dup_core_block (SamStore *self, const char *label, GError **error);
gboolean
sam_store_set_core_block (SamStore *self, const char *label, const char *value, GError **error);

/* Archive chunks, position counting from 0 within PATH; a chunk at the same place is
 * replaced. Returns the chunk's id, or 0 on error. */
gint64 sam_store_add_chunk (SamStore   *self,
                            const char *path,
                            guint       position,
                            const char *text,
                            gint64      modified,
                            GError    **error);
/* The chunks of PATH and what is remembered of why it could not be read. */
gboolean sam_store_forget_file (SamStore *self, const char *path, GError **error);
/* Everything read from files inside FOLDER, what could not be read or was set aside there,
 * and the facts from them still waiting for review; facts the user approved stay. */
gboolean sam_store_forget_folder (SamStore *self, const char *folder, GError **error);

/* Recall's raw material: BM25 candidates from one source. */
typedef enum
{
  SAM_MEMORY_SOURCE_FACT,
  SAM_MEMORY_SOURCE_MESSAGE,
  SAM_MEMORY_SOURCE_CHUNK,
} SamMemorySource;

typedef struct
{
  gint64   id;
  gint64   group;       /* conversation id for messages and facts, 0 otherwise */
  gint64   time;        /* when it was said or learned */
  double   score;       /* BM25, higher is better */
  double   importance;  /* facts: 0 … 1 (1 when pinned); others 0.5 */
  gboolean asks;        /* messages: the text asks a question */
  char     speaker[32]; /* messages: the label before a colon that opens the text
                         * ("Anna: …"), empty when there is none */
} SamMemoryMatch;

/* The LIMIT best matches of FTS5 EXPRESSION (FTS syntax: the caller quotes user text) in
 * SOURCE: messages of conversations that are not deleted or temporary, complete; facts that
 * are approved and still valid; every chunk. A GArray of SamMemoryMatch, best first. */
GArray *sam_store_match_memory (
    SamStore *self, SamMemorySource source, const char *expression, guint limit, GError **error);

/* Like sam_store_match_memory (), but the LIMIT newest matches, without a score: for words so
 * common that ranking every match would cost too much. */
GArray *sam_store_match_memory_newest (
    SamStore *self, SamMemorySource source, const char *expression, guint limit, GError **error);

/* How common EXPRESSION is in SOURCE, cheaply: ROWID gets the row of its match number
 * OFFSET + 1 counted from the newest (0 when it has no more than OFFSET matches), LAST the
 * highest row of SOURCE (0 when empty). Reads at most OFFSET + 1 matches. */
gboolean sam_store_probe_memory (SamStore       *self,
                                 SamMemorySource source,
                                 const char     *expression,
                                 guint           offset,
                                 gint64         *rowid,
                                 gint64         *last,
                                 GError        **error);

/* The messages before and after message ID in its conversation (0 where there is none). */
gboolean sam_store_get_message_neighbours (
    SamStore *self, gint64 id, gint64 *previous, gint64 *next, GError **error);

/* The RADIUS messages before message ID in CONVERSATION, nearest first, then the RADIUS
 * after it, nearest first: a GArray of 2 × RADIUS SamMemoryMatch without a score (id 0
 * where there is none). */
GArray *sam_store_get_message_window (
    SamStore *self, gint64 conversation, gint64 id, guint radius, GError **error);

/* Text and source of a chunk. */
gboolean sam_store_get_chunk (
    SamStore *self, gint64 id, char **path, char **text, gint64 *created, GError **error);

/* The rolling summary of conversation CONVERSATION_ID: its messages up to and including
 * THROUGH_MESSAGE_ID folded into a few sentences. "" and 0 when there is none. */
char    *sam_store_dup_summary (SamStore *self,
                                gint64    conversation_id,
                                gint64   *through_message_id,
                                GError  **error);
gboolean sam_store_set_summary (SamStore   *self,
                                gint64      conversation_id,
                                const char *summary,
                                gint64      through_message_id,
                                GError    **error);

G_END_DECLS
