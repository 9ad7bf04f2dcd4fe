/* sam-chat-message.h — one message of a request to a model, and the tool calls it carries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SAM_CHAT_ROLE_SYSTEM,
  SAM_CHAT_ROLE_USER,
  SAM_CHAT_ROLE_ASSISTANT,
  SAM_CHAT_ROLE_TOOL,
} SamChatRole;

/**
 * SamToolCall:
 * @id: the provider's id for the call (made up for providers that send none)
 * @name: the tool's name
 * @arguments: the arguments as the text of a JSON object
 *
 * A tool call the model asked for, complete.
 */
typedef struct
{
  char *id;
  char *name;
  char *arguments;
} SamToolCall;

#define SAM_TYPE_TOOL_CALL (sam_tool_call_get_type ())

GType        sam_tool_call_get_type (void) G_GNUC_CONST;
SamToolCall *sam_tool_call_new (const char *id, const char *name, const char *arguments);
SamToolCall *sam_tool_call_copy (const SamToolCall *self);
void         sam_tool_call_free (SamToolCall *self);
JsonObject  *sam_tool_call_parse_arguments (const SamToolCall *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamToolCall, sam_tool_call_free)

#define SAM_TYPE_CHAT_MESSAGE (sam_chat_message_get_type ())

G_DECLARE_FINAL_TYPE (SamChatMessage, sam_chat_message, SAM, CHAT_MESSAGE, GObject)

SamChatMessage *sam_chat_message_new (SamChatRole role, const char *content);
SamChatMessage *sam_chat_message_new_tool_result (const char *tool_call_id,
                                                  const char *tool_name,
                                                  const char *content);
SamChatRole     sam_chat_message_get_role (SamChatMessage *self);
const char     *sam_chat_message_get_content (SamChatMessage *self);
const char     *sam_chat_message_get_tool_call_id (SamChatMessage *self);
const char     *sam_chat_message_get_tool_name (SamChatMessage *self);
void            sam_chat_message_add_tool_call (SamChatMessage *self, const SamToolCall *call);
GPtrArray      *sam_chat_message_get_tool_calls (SamChatMessage *self);

G_END_DECLS
