/* sam-chat-request.h — what is sent to a model: messages, system prompt, tools, options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sam-chat-message.h"

G_BEGIN_DECLS

/**
 * SamToolDefinition:
 * @name: the tool's name
 * @description: what it does, for the model
 * @parameters: a JSON Schema object for its arguments
 *
 * A tool the model may call.
 */
typedef struct
{
  char     *name;
  char     *description;
  JsonNode *parameters;
} SamToolDefinition;

#define SAM_TYPE_TOOL_DEFINITION (sam_tool_definition_get_type ())

GType sam_tool_definition_get_type (void) G_GNUC_CONST;
SamToolDefinition *
sam_tool_definition_new (const char *name, const char *description, JsonNode *parameters);
SamToolDefinition *sam_tool_definition_copy (const SamToolDefinition *self);
void               sam_tool_definition_free (SamToolDefinition *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SamToolDefinition, sam_tool_definition_free)

#define SAM_TYPE_CHAT_REQUEST (sam_chat_request_get_type ())

G_DECLARE_FINAL_TYPE (SamChatRequest, sam_chat_request, SAM, CHAT_REQUEST, GObject)

SamChatRequest *sam_chat_request_new (void);
const char     *sam_chat_request_get_system_prompt (SamChatRequest *self);
void            sam_chat_request_set_system_prompt (SamChatRequest *self, const char *prompt);
GPtrArray      *sam_chat_request_get_messages (SamChatRequest *self);
void            sam_chat_request_add_message (SamChatRequest *self, SamChatMessage *message);
GPtrArray      *sam_chat_request_get_tools (SamChatRequest *self);
void            sam_chat_request_add_tool (SamChatRequest *self, const SamToolDefinition *tool);
gboolean        sam_chat_request_get_temperature (SamChatRequest *self, double *temperature);
void            sam_chat_request_set_temperature (SamChatRequest *self, double temperature);
guint           sam_chat_request_get_max_tokens (SamChatRequest *self);
void            sam_chat_request_set_max_tokens (SamChatRequest *self, guint max_tokens);
const char     *sam_chat_request_get_model (SamChatRequest *self);
void            sam_chat_request_set_model (SamChatRequest *self, const char *model);

G_END_DECLS
