/* sam-chat-message.c — one message of a request to a model, and the tool calls it carries.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-chat-message.h"
#include "sam-model-error.h"

G_DEFINE_BOXED_TYPE (SamToolCall, sam_tool_call, sam_tool_call_copy, sam_tool_call_free)

SamToolCall *
sam_tool_call_new (const char *id, const char *name, const char *arguments)
{
  SamToolCall *self = g_new0 (SamToolCall, 1);

  self->id = g_strdup (id ? id : "");
  self->name = g_strdup (name ? name : "");
  self->arguments = g_strdup (arguments && *arguments ? arguments : "{}");

  return self;
}

SamToolCall *
sam_tool_call_copy (const SamToolCall *self)
{
  return sam_tool_call_new (self->id, self->name, self->arguments);
}

void
sam_tool_call_free (SamToolCall *self)
{
  if (self == NULL)
    return;

  g_free (self->id);
  g_free (self->name);
  g_free (self->arguments);
  g_free (self);
}

/**
 * sam_tool_call_parse_arguments:
 * @self: a #SamToolCall
 * @error: set when the arguments are not a JSON object
 *
 * The model writes the arguments; nothing may run on them before they parse.
 *
 * Returns: (transfer full) (nullable): the arguments
 */
JsonObject *
sam_tool_call_parse_arguments (const SamToolCall *self, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, self->arguments, -1, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE,
                   _ ("The model asked for the tool “%s” with arguments that are not valid."),
                   self->name);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

struct _SamChatMessage
{
  GObject parent_instance;

  SamChatRole role;
  char       *content;
  char       *tool_call_id;
  char       *tool_name;
  GPtrArray  *tool_calls;
};

G_DEFINE_FINAL_TYPE (SamChatMessage, sam_chat_message, G_TYPE_OBJECT)

static void
sam_chat_message_finalize (GObject *object)
{
  SamChatMessage *self = SAM_CHAT_MESSAGE (object);

  g_clear_pointer (&self->content, g_free);
  g_clear_pointer (&self->tool_call_id, g_free);
  g_clear_pointer (&self->tool_name, g_free);
  g_clear_pointer (&self->tool_calls, g_ptr_array_unref);

  G_OBJECT_CLASS (sam_chat_message_parent_class)->finalize (object);
}

static void
sam_chat_message_class_init (SamChatMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_chat_message_finalize;
}

static void
sam_chat_message_init (SamChatMessage *self)
{
  self->tool_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_tool_call_free);
}

SamChatMessage *
sam_chat_message_new (SamChatRole role, const char *content)
{
  SamChatMessage *self = g_object_new (SAM_TYPE_CHAT_MESSAGE, NULL);

  self->role = role;
  self->content = g_strdup (content ? content : "");

  return self;
}

/**
 * sam_chat_message_new_tool_result:
 * @tool_call_id: the id of the #SamToolCall this answers
 * @tool_name: the tool's name (Ollama matches results by name)
 * @content: what the tool returned, as text
 *
 * Returns: (transfer full): a message with the %SAM_CHAT_ROLE_TOOL role
 */
SamChatMessage *
sam_chat_message_new_tool_result (const char *tool_call_id,
                                  const char *tool_name,
                                  const char *content)
{
  SamChatMessage *self = sam_chat_message_new (SAM_CHAT_ROLE_TOOL, content);

  self->tool_call_id = g_strdup (tool_call_id);
  self->tool_name = g_strdup (tool_name);

  return self;
}

SamChatRole
sam_chat_message_get_role (SamChatMessage *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_MESSAGE (self), SAM_CHAT_ROLE_USER);

  return self->role;
}

const char *
sam_chat_message_get_content (SamChatMessage *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_MESSAGE (self), NULL);

  return self->content;
}

const char *
sam_chat_message_get_tool_call_id (SamChatMessage *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_MESSAGE (self), NULL);

  return self->tool_call_id;
}

const char *
sam_chat_message_get_tool_name (SamChatMessage *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_MESSAGE (self), NULL);

  return self->tool_name;
}

void
sam_chat_message_add_tool_call (SamChatMessage *self, const SamToolCall *call)
{
  g_return_if_fail (SAM_IS_CHAT_MESSAGE (self));
  g_return_if_fail (call != NULL);

  g_ptr_array_add (self->tool_calls, sam_tool_call_copy (call));
}

/**
 * sam_chat_message_get_tool_calls:
 * @self: a #SamChatMessage
 *
 * Returns: (transfer none) (element-type SamToolCall): the calls an assistant message made
 */
GPtrArray *
sam_chat_message_get_tool_calls (SamChatMessage *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_MESSAGE (self), NULL);

  return self->tool_calls;
}
