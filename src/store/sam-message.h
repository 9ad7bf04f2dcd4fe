/* sam-message.h — one stored message of a conversation (role, content, state, usage).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_MESSAGE_ROLE_USER,
  SAM_MESSAGE_ROLE_ASSISTANT,
  SAM_MESSAGE_ROLE_SYSTEM,
  SAM_MESSAGE_ROLE_TOOL,
} SamMessageRole;

/* complete: a finished message. streaming: a reply being written (checkpointed).
 * interrupted: a reply whose writer went away mid-stream (offer Retry).
 * failed: the request ended with an error (see the error property). */
typedef enum
{
  SAM_MESSAGE_STATE_COMPLETE,
  SAM_MESSAGE_STATE_STREAMING,
  SAM_MESSAGE_STATE_INTERRUPTED,
  SAM_MESSAGE_STATE_FAILED,
} SamMessageState;

#define SAM_TYPE_MESSAGE_ROLE  (sam_message_role_get_type ())
#define SAM_TYPE_MESSAGE_STATE (sam_message_state_get_type ())
#define SAM_TYPE_MESSAGE       (sam_message_get_type ())

GType sam_message_role_get_type (void);
GType sam_message_state_get_type (void);

G_DECLARE_FINAL_TYPE (SamMessage, sam_message, SAM, MESSAGE, GObject)

gint64          sam_message_get_id (SamMessage *self);
gint64          sam_message_get_conversation_id (SamMessage *self);
SamMessageRole  sam_message_get_role (SamMessage *self);
const char     *sam_message_get_content (SamMessage *self);
gsize           sam_message_get_content_length (SamMessage *self);
void            sam_message_set_content (SamMessage *self, const char *content);
void            sam_message_append_content (SamMessage *self, const char *delta, gssize length);
gint64          sam_message_get_created (SamMessage *self);
SamMessageState sam_message_get_state (SamMessage *self);
const char     *sam_message_get_model (SamMessage *self);
const char     *sam_message_get_finish_reason (SamMessage *self);
const char     *sam_message_get_error (SamMessage *self);
gint64          sam_message_get_tokens_in (SamMessage *self);
gint64          sam_message_get_tokens_out (SamMessage *self);
void            sam_message_set_usage (SamMessage *self, gint64 tokens_in, gint64 tokens_out);

const char *sam_message_role_to_string (SamMessageRole role);
gboolean    sam_message_role_from_string (const char *string, SamMessageRole *role);
const char *sam_message_state_to_string (SamMessageState state);
gboolean    sam_message_state_from_string (const char *string, SamMessageState *state);

G_END_DECLS
