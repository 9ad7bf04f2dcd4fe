/* sam-chat-request.c — what is sent to a model: messages, system prompt, tools, options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-chat-request.h"

G_DEFINE_BOXED_TYPE (SamToolDefinition,
                     sam_tool_definition,
                     sam_tool_definition_copy,
                     sam_tool_definition_free)

/**
 * sam_tool_definition_new:
 * @name: the tool's name
 * @description: what it does
 * @parameters: (nullable): a JSON Schema object; %NULL for a tool without arguments
 *
 * Returns: (transfer full): a new #SamToolDefinition
 */
SamToolDefinition *
sam_tool_definition_new (const char *name, const char *description, JsonNode *parameters)
{
  SamToolDefinition *self = g_new0 (SamToolDefinition, 1);

  self->name = g_strdup (name);
  self->description = g_strdup (description ? description : "");
  if (parameters)
    self->parameters = json_node_copy (parameters);
  else
    {
      g_autoptr (JsonObject) schema = json_object_new ();

      json_object_set_string_member (schema, "type", "object");
      json_object_set_object_member (schema, "properties", json_object_new ());
      self->parameters = json_node_init_object (json_node_alloc (), schema);
    }

  return self;
}

SamToolDefinition *
sam_tool_definition_copy (const SamToolDefinition *self)
{
  return sam_tool_definition_new (self->name, self->description, self->parameters);
}

void
sam_tool_definition_free (SamToolDefinition *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->description);
  g_clear_pointer (&self->parameters, json_node_unref);
  g_free (self);
}

struct _SamChatRequest
{
  GObject parent_instance;

  char      *system_prompt;
  char      *model;
  GPtrArray *messages;
  GPtrArray *tools;
  double     temperature;
  guint      max_tokens;
  gboolean   has_temperature;
};

G_DEFINE_FINAL_TYPE (SamChatRequest, sam_chat_request, G_TYPE_OBJECT)

/* g_set_str() is GLib 2.76; an empty string means unset. */
static void
replace_string (char **field, const char *value)
{
  g_free (*field);
  *field = value && *value ? g_strdup (value) : NULL;
}

static void
sam_chat_request_finalize (GObject *object)
{
  SamChatRequest *self = SAM_CHAT_REQUEST (object);

  g_clear_pointer (&self->system_prompt, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->tools, g_ptr_array_unref);

  G_OBJECT_CLASS (sam_chat_request_parent_class)->finalize (object);
}

static void
sam_chat_request_class_init (SamChatRequestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_chat_request_finalize;
}

static void
sam_chat_request_init (SamChatRequest *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
  self->tools = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_tool_definition_free);
}

SamChatRequest *
sam_chat_request_new (void)
{
  return g_object_new (SAM_TYPE_CHAT_REQUEST, NULL);
}

const char *
sam_chat_request_get_system_prompt (SamChatRequest *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), NULL);

  return self->system_prompt;
}

void
sam_chat_request_set_system_prompt (SamChatRequest *self, const char *prompt)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));

  replace_string (&self->system_prompt, prompt);
}

/**
 * sam_chat_request_get_messages:
 * @self: a #SamChatRequest
 *
 * Returns: (transfer none) (element-type SamChatMessage): the conversation, oldest first
 */
GPtrArray *
sam_chat_request_get_messages (SamChatRequest *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), NULL);

  return self->messages;
}

void
sam_chat_request_add_message (SamChatRequest *self, SamChatMessage *message)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));
  g_return_if_fail (SAM_IS_CHAT_MESSAGE (message));

  g_ptr_array_add (self->messages, g_object_ref (message));
}

/**
 * sam_chat_request_get_tools:
 * @self: a #SamChatRequest
 *
 * Returns: (transfer none) (element-type SamToolDefinition): the tools offered to the model
 */
GPtrArray *
sam_chat_request_get_tools (SamChatRequest *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), NULL);

  return self->tools;
}

void
sam_chat_request_add_tool (SamChatRequest *self, const SamToolDefinition *tool)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));
  g_return_if_fail (tool != NULL);

  g_ptr_array_add (self->tools, sam_tool_definition_copy (tool));
}

/**
 * sam_chat_request_get_temperature:
 * @self: a #SamChatRequest
 * @temperature: (out) (optional): the temperature, when one was set
 *
 * Returns: %TRUE when a temperature was set; otherwise the provider's default applies
 */
gboolean
sam_chat_request_get_temperature (SamChatRequest *self, double *temperature)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), FALSE);

  if (temperature)
    *temperature = self->temperature;

  return self->has_temperature;
}

void
sam_chat_request_set_temperature (SamChatRequest *self, double temperature)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));

  self->temperature = temperature;
  self->has_temperature = TRUE;
}

/* 0 means the provider's default (Anthropic requires a value, so it picks one). */
guint
sam_chat_request_get_max_tokens (SamChatRequest *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), 0);

  return self->max_tokens;
}

void
sam_chat_request_set_max_tokens (SamChatRequest *self, guint max_tokens)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));

  self->max_tokens = max_tokens;
}

/* NULL means the provider's configured model. */
const char *
sam_chat_request_get_model (SamChatRequest *self)
{
  g_return_val_if_fail (SAM_IS_CHAT_REQUEST (self), NULL);

  return self->model;
}

void
sam_chat_request_set_model (SamChatRequest *self, const char *model)
{
  g_return_if_fail (SAM_IS_CHAT_REQUEST (self));

  replace_string (&self->model, model);
}
