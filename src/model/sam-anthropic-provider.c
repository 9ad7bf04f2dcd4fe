/* sam-anthropic-provider.c — Anthropic's Messages API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-anthropic-provider.h"
#include "sam-chat-stream.h"
#include "sam-model-error.h"

/* POST {base}/v1/messages with x-api-key and anthropic-version. The stream is
 * message_start, then per content block start / deltas / stop, then message_delta with the
 * stop reason and cumulative usage, then message_stop; ping and error may come anywhere. */

/* Anthropic requires max_tokens; this leaves room for a long answer. */
#define DEFAULT_MAX_TOKENS 4096

struct _SamAnthropicProvider
{
  GObject parent_instance;

  SamHttpClient *http;
  char          *base_url;
  char          *api_root;
  char          *api_key;
  char          *model;
  char          *name;
};

static void provider_iface_init (SamProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SamAnthropicProvider,
                               sam_anthropic_provider,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SAM_TYPE_PROVIDER, provider_iface_init))

static void
sam_anthropic_provider_finalize (GObject *object)
{
  SamAnthropicProvider *self = SAM_ANTHROPIC_PROVIDER (object);

  g_clear_object (&self->http);
  g_free (self->base_url);
  g_free (self->api_root);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->model);
  g_free (self->name);

  G_OBJECT_CLASS (sam_anthropic_provider_parent_class)->finalize (object);
}

static void
sam_anthropic_provider_class_init (SamAnthropicProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sam_anthropic_provider_finalize;
}

static void
sam_anthropic_provider_init (SamAnthropicProvider *self)
{
  self->http = sam_http_client_new ();
}

/**
 * sam_anthropic_provider_new:
 * @base_url: (nullable): the API root without `/v1`; %NULL for Anthropic's
 * @api_key: (nullable): the key, sent as `x-api-key`
 * @model: (nullable): the model name; %NULL for a current default
 *
 * Returns: (transfer full): a new provider
 */
SamProvider *
sam_anthropic_provider_new (const char *base_url, const char *api_key, const char *model)
{
  SamAnthropicProvider *self = g_object_new (SAM_TYPE_ANTHROPIC_PROVIDER, NULL);

  self->base_url = g_strdup (base_url && *base_url ? base_url : SAM_ANTHROPIC_DEFAULT_BASE_URL);
  self->api_root = sam_provider_api_root ("anthropic", self->base_url);
  self->api_key = g_strdup (api_key && *api_key ? api_key : NULL);
  self->model = g_strdup (model && *model ? model : SAM_ANTHROPIC_DEFAULT_MODEL);
  self->name = sam_provider_name_for_url ("anthropic", self->base_url);

  return SAM_PROVIDER (self);
}

static SamHttpRequest *
new_request (SamAnthropicProvider *self, const char *method, const char *path)
{
  g_autofree char *uri = sam_join_url (self->api_root, path);
  SamHttpRequest  *request = sam_http_request_new (method, uri);

  if (self->api_key)
    sam_http_request_add_header (request, "x-api-key", self->api_key);
  else
    sam_http_request_set_anonymous (request, TRUE);
  sam_http_request_add_header (request, "anthropic-version", SAM_ANTHROPIC_API_VERSION);

  return request;
}

static void
add_text_block (JsonBuilder *builder, const char *text)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "text");
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
}

static void
add_tool_use_block (JsonBuilder *builder, const SamToolCall *call)
{
  g_autoptr (JsonObject) input = sam_tool_call_parse_arguments (call, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "tool_use");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, call->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, call->name);
  json_builder_set_member_name (builder, "input");
  if (input)
    json_builder_add_value (builder,
                            json_node_init_object (json_node_alloc (), g_steal_pointer (&input)));
  else
    {
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
}

static void
add_tool_result_block (JsonBuilder *builder, SamChatMessage *message)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "tool_result");
  json_builder_set_member_name (builder, "tool_use_id");
  json_builder_add_string_value (builder, sam_chat_message_get_tool_call_id (message));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, sam_chat_message_get_content (message));
  json_builder_end_object (builder);
}

/* Anthropic takes the system prompt apart from the turns, and the results of several tool
 * calls together in the one user turn that follows them. */
static void
add_messages (JsonBuilder *builder, GPtrArray *messages)
{
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);

  for (guint i = 0; i < messages->len; i++)
    {
      SamChatMessage *message = g_ptr_array_index (messages, i);
      SamChatRole     role = sam_chat_message_get_role (message);
      GPtrArray      *calls = sam_chat_message_get_tool_calls (message);
      const char     *content = sam_chat_message_get_content (message);

      if (role == SAM_CHAT_ROLE_SYSTEM)
        continue;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder,
                                     role == SAM_CHAT_ROLE_ASSISTANT ? "assistant" : "user");
      json_builder_set_member_name (builder, "content");

      if (role == SAM_CHAT_ROLE_TOOL)
        {
          json_builder_begin_array (builder);
          add_tool_result_block (builder, message);
          while (i + 1 < messages->len && sam_chat_message_get_role (g_ptr_array_index (
                                              messages, i + 1)) == SAM_CHAT_ROLE_TOOL)
            add_tool_result_block (builder, g_ptr_array_index (messages, ++i));
          json_builder_end_array (builder);
        }
      else if (role == SAM_CHAT_ROLE_ASSISTANT && calls->len > 0)
        {
          json_builder_begin_array (builder);
          if (*content)
            add_text_block (builder, content);
          for (guint j = 0; j < calls->len; j++)
            add_tool_use_block (builder, g_ptr_array_index (calls, j));
          json_builder_end_array (builder);
        }
      else
        json_builder_add_string_value (builder, content);

      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
}

static char *
system_prompt (SamChatRequest *request)
{
  GPtrArray *messages = sam_chat_request_get_messages (request);
  GString   *prompt = g_string_new (sam_chat_request_get_system_prompt (request));

  for (guint i = 0; i < messages->len; i++)
    {
      SamChatMessage *message = g_ptr_array_index (messages, i);

      if (sam_chat_message_get_role (message) != SAM_CHAT_ROLE_SYSTEM)
        continue;
      if (prompt->len > 0)
        g_string_append (prompt, "\n\n");
      g_string_append (prompt, sam_chat_message_get_content (message));
    }

  return g_string_free (prompt, prompt->len == 0);
}

static JsonNode *
build_chat_body (SamAnthropicProvider *self, SamChatRequest *request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *system = system_prompt (request);
  GPtrArray       *tools = sam_chat_request_get_tools (request);
  const char      *model = sam_chat_request_get_model (request);
  guint            max_tokens = sam_chat_request_get_max_tokens (request);
  double           temperature;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model ? model : self->model);
  json_builder_set_member_name (builder, "max_tokens");
  json_builder_add_int_value (builder, max_tokens > 0 ? max_tokens : DEFAULT_MAX_TOKENS);

  if (system)
    {
      json_builder_set_member_name (builder, "system");
      json_builder_add_string_value (builder, system);
    }

  add_messages (builder, sam_chat_request_get_messages (request));

  if (tools->len > 0)
    {
      json_builder_set_member_name (builder, "tools");
      json_builder_begin_array (builder);
      for (guint i = 0; i < tools->len; i++)
        {
          SamToolDefinition *tool = g_ptr_array_index (tools, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, tool->name);
          json_builder_set_member_name (builder, "description");
          json_builder_add_string_value (builder, tool->description);
          json_builder_set_member_name (builder, "input_schema");
          json_builder_add_value (builder, json_node_copy (tool->parameters));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }

  if (sam_chat_request_get_temperature (request, &temperature))
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, temperature);
    }

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

typedef struct
{
  JsonParser *parser;
} ChatState;

static void
chat_state_free (gpointer data)
{
  ChatState *state = data;

  g_object_unref (state->parser);
  g_free (state);
}

static void
read_usage (SamChatStream *stream, JsonObject *usage, gboolean emit)
{
  gint64 input = sam_json_get_int (usage, "input_tokens", -1);
  gint64 output = sam_json_get_int (usage, "output_tokens", -1);

  if (usage == NULL)
    return;

  /* message_start counts the prompt; message_delta the cumulative reply. One event. */
  if (emit)
    sam_chat_stream_usage (stream, input, output);
  else
    sam_chat_reply_set_usage (sam_chat_stream_get_reply (stream), input, output);
}

static gboolean
chat_frame (SamChatStream *stream, const SamStreamFrame *frame, gpointer data, GError **error)
{
  ChatState  *state = data;
  JsonNode   *root;
  JsonObject *event;
  const char *type;
  gint64      index;

  if (!json_parser_load_from_data (state->parser, frame->data, frame->data_len, NULL) ||
      !(root = json_parser_get_root (state->parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("%s: ignoring an event that is not a JSON object",
               sam_chat_stream_get_name (stream));
      return TRUE;
    }

  event = json_node_get_object (root);
  /* The JSON type repeats the event name; trust the JSON when they differ. */
  if (!(type = sam_json_get_string (event, "type")))
    type = frame->event ? frame->event : "";
  index = sam_json_get_int (event, "index", -1);

  if (g_str_equal (type, "error"))
    {
      g_propagate_error (
          error, sam_model_error_from_body (sam_chat_stream_get_name (stream), 0, root, NULL));
      return FALSE;
    }
  else if (g_str_equal (type, "message"))
    {
      /* A whole message, where a proxy answered without streaming. */
      JsonArray  *content = sam_json_get_array (event, "content");
      const char *reason = sam_json_get_string (event, "stop_reason");

      for (guint i = 0; content && i < json_array_get_length (content); i++)
        {
          JsonNode   *node = json_array_get_element (content, i);
          JsonObject *block;
          const char *block_type;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          block = json_node_get_object (node);
          block_type = sam_json_get_string (block, "type");

          if (g_strcmp0 (block_type, "text") == 0)
            sam_chat_stream_text (stream, sam_json_get_string (block, "text"));
          else if (g_strcmp0 (block_type, "thinking") == 0)
            sam_chat_stream_reasoning (stream, sam_json_get_string (block, "thinking"));
          else if (g_strcmp0 (block_type, "tool_use") == 0)
            {
              JsonNode        *input = json_object_get_member (block, "input");
              g_autofree char *arguments = input ? json_to_string (input, FALSE) : NULL;

              sam_chat_stream_tool_call (stream, i, sam_json_get_string (block, "id"),
                                         sam_json_get_string (block, "name"), arguments);
            }
        }

      read_usage (stream, sam_json_get_object (event, "usage"), TRUE);
      if (reason)
        sam_chat_stream_finish_reason (stream, reason);
      sam_chat_stream_end (stream);
    }
  else if (g_str_equal (type, "message_start"))
    {
      read_usage (stream, sam_json_get_object (sam_json_get_object (event, "message"), "usage"),
                  FALSE);
    }
  else if (g_str_equal (type, "content_block_start"))
    {
      JsonObject *block = sam_json_get_object (event, "content_block");
      const char *block_type = sam_json_get_string (block, "type");

      if (g_strcmp0 (block_type, "tool_use") == 0)
        sam_chat_stream_tool_delta (stream, index, sam_json_get_string (block, "id"),
                                    sam_json_get_string (block, "name"), NULL);
      else if (g_strcmp0 (block_type, "text") == 0)
        sam_chat_stream_text (stream, sam_json_get_string (block, "text"));
      else if (g_strcmp0 (block_type, "thinking") == 0)
        sam_chat_stream_reasoning (stream, sam_json_get_string (block, "thinking"));
    }
  else if (g_str_equal (type, "content_block_delta"))
    {
      JsonObject *delta = sam_json_get_object (event, "delta");
      const char *delta_type = sam_json_get_string (delta, "type");

      if (g_strcmp0 (delta_type, "text_delta") == 0)
        sam_chat_stream_text (stream, sam_json_get_string (delta, "text"));
      else if (g_strcmp0 (delta_type, "input_json_delta") == 0)
        sam_chat_stream_tool_delta (stream, index, NULL, NULL,
                                    sam_json_get_string (delta, "partial_json"));
      else if (g_strcmp0 (delta_type, "thinking_delta") == 0)
        sam_chat_stream_reasoning (stream, sam_json_get_string (delta, "thinking"));
    }
  else if (g_str_equal (type, "content_block_stop"))
    {
      /* Only now is the tool input complete JSON. */
      sam_chat_stream_tool_done (stream, index);
    }
  else if (g_str_equal (type, "message_delta"))
    {
      const char *reason =
          sam_json_get_string (sam_json_get_object (event, "delta"), "stop_reason");

      if (reason)
        sam_chat_stream_finish_reason (stream, reason);
      read_usage (stream, sam_json_get_object (event, "usage"), TRUE);
    }
  else if (g_str_equal (type, "message_stop"))
    {
      sam_chat_stream_end (stream);
    }
  /* ping, and event types added later, are ignored as the docs ask. */

  return TRUE;
}

static void
sam_anthropic_provider_stream_chat_async (SamProvider        *provider,
                                          SamChatRequest     *request,
                                          SamStreamEventFunc  event_func,
                                          gpointer            event_data,
                                          GDestroyNotify      event_destroy,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  SamAnthropicProvider *self = SAM_ANTHROPIC_PROVIDER (provider);
  g_autoptr (JsonNode) body = build_chat_body (self, request);
  SamHttpRequest *http_request = new_request (self, "POST", "v1/messages");
  ChatState      *state = g_new0 (ChatState, 1);

  sam_http_request_add_header (http_request, "Accept", "text/event-stream");
  sam_http_request_set_json_body (http_request, body);
  state->parser = json_parser_new ();

  sam_chat_stream_run (provider, http_request, SAM_STREAM_FORMAT_SSE, chat_frame, state,
                       chat_state_free, event_func, event_data, event_destroy, cancellable,
                       callback, user_data);
}

static void
sam_anthropic_provider_list_models_async (SamProvider        *provider,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  SamAnthropicProvider *self = SAM_ANTHROPIC_PROVIDER (provider);
  g_autoptr (SamHttpRequest) request = new_request (self, "GET", "v1/models?limit=1000");

  sam_model_names_fetch (provider, request, "data", "id", NULL, cancellable, callback, user_data);
}

static const char *
sam_anthropic_provider_get_id (SamProvider *provider)
{
  return "anthropic";
}

static const char *
sam_anthropic_provider_get_name (SamProvider *provider)
{
  return SAM_ANTHROPIC_PROVIDER (provider)->name;
}

static const char *
sam_anthropic_provider_get_base_url (SamProvider *provider)
{
  return SAM_ANTHROPIC_PROVIDER (provider)->base_url;
}

static const char *
sam_anthropic_provider_get_model (SamProvider *provider)
{
  return SAM_ANTHROPIC_PROVIDER (provider)->model;
}

static SamHttpClient *
sam_anthropic_provider_get_http_client (SamProvider *provider)
{
  return SAM_ANTHROPIC_PROVIDER (provider)->http;
}

static void
provider_iface_init (SamProviderInterface *iface)
{
  iface->get_id = sam_anthropic_provider_get_id;
  iface->get_name = sam_anthropic_provider_get_name;
  iface->get_base_url = sam_anthropic_provider_get_base_url;
  iface->get_model = sam_anthropic_provider_get_model;
  iface->get_http_client = sam_anthropic_provider_get_http_client;
  iface->stream_chat_async = sam_anthropic_provider_stream_chat_async;
  iface->stream_chat_finish = sam_chat_stream_run_finish;
  iface->list_models_async = sam_anthropic_provider_list_models_async;
  iface->list_models_finish = sam_model_names_finish;
}
