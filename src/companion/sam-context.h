/* sam-context.h — assembles what the model is sent for one turn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "model/sam-chat-request.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

typedef struct
{
  /* The user is in crisis: the turn goes to the model in safety mode. */
  gboolean safety_mode;
  /* The user said they are under 18. */
  gboolean is_minor;
  /* The companion's name, if the user or the installation gave it one. */
  const char *companion_name;
  /* What the user asked to be called. */
  const char *user_name;
  /* Further blocks for the system prompt (memory), or NULL. */
  const char *memory;
  /* The model's context budget in tokens; 0 for a safe default. */
  guint context_tokens;
  /* The pinned core blocks, as sam_context_format_core_blocks() writes them, or NULL. */
  const char *core_memory;
  /* The conversation's rolling summary (or NULL), covering its messages up to and including
   * SUMMARY_THROUGH: those are left out of the request. */
  const char *summary;
  gint64      summary_through;
  /* For the summary and the turns; 0: what CONTEXT_TOKENS leaves after the system prompt
   * and room for the reply. */
  guint history_tokens;
  /* A temporary conversation: nothing is recalled, nothing will be remembered. */
  gboolean temporary;
} SamContextOptions;

char           *sam_context_build_system_prompt (const SamContextOptions *options);
SamChatRequest *sam_context_build_request (const SamContextOptions *options, GPtrArray *history);
guint           sam_context_estimate_tokens (const char *text);
/* A user message that asks the model to TASK on the JSON document BUILDER holds, saying the
 * document is quoted data: the text in it cannot step out of its quotes. */
char *sam_context_quote_data (const char *task, JsonBuilder *builder);
/* The core blocks for the system prompt, each cut to a few hundred characters; only persona
 * and style for a temporary conversation. NULL when they are all empty. */
char *sam_context_format_core_blocks (SamStore *store, gboolean temporary);
/* Whether HISTORY (oldest first) no longer fits the budget beside its summary. Then
 * *N_FOLD is how many of its first messages to fold into the summary so the rest fits in
 * half the budget, which leaves room for several turns before the next fold. */
gboolean
sam_context_needs_summary (const SamContextOptions *options, GPtrArray *history, guint *n_fold);

G_END_DECLS
