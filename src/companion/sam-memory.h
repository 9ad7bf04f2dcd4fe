/* sam-memory.h — recall: what the companion remembers that bears on a question.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "store/sam-memory-store.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

typedef struct
{
  SamMemorySource source;
  gint64          id;        /* of the fact, message or chunk */
  char           *kind;      /* "fact", "message" or "chunk" */
  char           *fact_kind; /* facts: preference, person, event… */
  char           *role;      /* messages: "user" or "assistant" */
  char           *text;
  gint64          conversation_id; /* 0 when it did not come from a conversation */
  char           *conversation_uuid;
  char           *conversation_title;
  char           *path; /* chunks, and facts learned from a file */
  gint64          time; /* when it was said, learned or the file last changed */
  double          score;
} SamRecallHit;

void sam_recall_hit_free (SamRecallHit *hit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamRecallHit, sam_recall_hit_free)

/* The words of QUERY that recall searches for: lower case, without stop words, possessives
 * or duplicates; month names and years are taken out into MONTHS (1–12) and YEARS when
 * those are not NULL. */
GStrv sam_memory_query_terms (const char *query, GArray *months, GArray *years);

/* Up to LIMIT hits for QUERY, best first, fused from facts, messages and archive chunks.
 * Messages of conversation EXCLUDE_CONVERSATION (0 for none) are left out, so the turn under
 * way does not recall itself. A GPtrArray of SamRecallHit. */
GPtrArray *sam_memory_recall (
    SamStore *store, const char *query, guint limit, gint64 exclude_conversation, GError **error);

/* One JSON object (one line) for a hit: kind, text, source, timestamp, score… */
char *sam_recall_hit_to_json (const SamRecallHit *hit);

/* The block for the system prompt: one dated line with its source per hit, within about
 * MAX_CHARS characters; NULL when there are no hits. */
char *sam_memory_format_for_prompt (GPtrArray *hits, gsize max_chars);

/* samantha --recall QUERY: prints the hits as JSON lines; exit status. */
int sam_memory_recall_command_line (const char *query);

G_END_DECLS
