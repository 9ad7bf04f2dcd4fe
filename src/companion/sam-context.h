/* sam-context.h — assembles what the model is sent for one turn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/sam-chat-request.h"

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
} SamContextOptions;

char           *sam_context_build_system_prompt (const SamContextOptions *options);
SamChatRequest *sam_context_build_request (const SamContextOptions *options, GPtrArray *history);
guint           sam_context_estimate_tokens (const char *text);

G_END_DECLS
