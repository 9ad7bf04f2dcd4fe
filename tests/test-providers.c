/* test-providers.c — OpenAI, Anthropic and Ollama against a replay server on 127.0.0.1:
 * every recorded transcript split three ways, error bodies, retries, stop, timeouts, TLS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "model/sam-anthropic-provider.h"
#include "model/sam-model-error.h"
#include "model/sam-ollama-provider.h"
#include "model/sam-openai-provider.h"
#include "model/sam-provider-config.h"
#include "sam-replay-server.h"
#include "sam-test-util.h"

#define TEST_KEY "sk-test-Zq8vR2mN4pL6"

static JsonObject *request_json (SamReplayServer *server, guint index);

/* Running one reply to the end. */

typedef struct
{
  GString      *log;
  GCancellable *cancellable;
  gboolean      cancel_on_text;
  gboolean      cancel_on_retry;
  GArray       *retry_delays;
  SamChatReply *reply;
  GError       *error;
  gboolean      ok;
  gboolean      done;
  guint         n_finish;
  guint         n_error;
} Run;

static void
run_clear (Run *run)
{
  g_string_free (run->log, TRUE);
  g_clear_object (&run->cancellable);
  g_array_unref (run->retry_delays);
  g_clear_object (&run->reply);
  g_clear_error (&run->error);
}

static char *
escape (const char *text)
{
  return g_strescape (text ? text : "(null)", "\"");
}

static void
log_event (SamProvider *provider, const SamStreamEvent *event, gpointer data)
{
  Run             *run = data;
  g_autofree char *text = escape (event->text);

  g_assert_false (run->done);

  switch (event->type)
    {
    case SAM_STREAM_EVENT_TEXT_DELTA:
      g_string_append_printf (run->log, "text \"%s\"\n", text);
      if (run->cancel_on_text)
        g_cancellable_cancel (run->cancellable);
      break;
    case SAM_STREAM_EVENT_REASONING_DELTA:
      g_string_append_printf (run->log, "reasoning \"%s\"\n", text);
      break;
    case SAM_STREAM_EVENT_TOOL_CALL_DELTA:
      {
        g_autofree char *arguments = escape (event->arguments_delta);

        g_string_append_printf (run->log, "tool-delta %u id=%s name=%s \"%s\"\n", event->index,
                                event->tool_call_id ? event->tool_call_id : "-",
                                event->tool_name ? event->tool_name : "-", arguments);
      }
      break;
    case SAM_STREAM_EVENT_TOOL_CALL:
      {
        g_autofree char *arguments = escape (event->tool_call->arguments);

        g_string_append_printf (run->log, "tool-call %u id=%s name=%s \"%s\"\n", event->index,
                                event->tool_call->id, event->tool_call->name, arguments);
      }
      break;
    case SAM_STREAM_EVENT_USAGE:
      g_string_append_printf (run->log, "usage %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                              event->input_tokens, event->output_tokens);
      break;
    case SAM_STREAM_EVENT_RETRY:
      g_string_append_printf (run->log, "retry %u\n", event->retry_attempt);
      g_array_append_val (run->retry_delays, event->retry_delay_ms);
      g_assert_nonnull (event->error);
      g_assert_nonnull (strstr (event->text, "retrying in"));
      if (run->cancel_on_retry)
        g_cancellable_cancel (run->cancellable);
      break;
    case SAM_STREAM_EVENT_FINISH:
      run->n_finish++;
      g_string_append_printf (run->log, "finish %s %s\n",
                              sam_finish_reason_to_string (event->finish_reason),
                              event->finish_reason_raw ? event->finish_reason_raw : "-");
      break;
    case SAM_STREAM_EVENT_ERROR:
      run->n_error++;
      g_string_append_printf (run->log, "error %d \"%s\" partial=\"%s\"\n", event->error->code,
                              event->error->message, text);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
run_done_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Run *run = data;

  run->ok =
      sam_provider_stream_chat_finish (SAM_PROVIDER (object), result, &run->reply, &run->error);
  run->done = TRUE;
}

static void
run_init (Run *run)
{
  memset (run, 0, sizeof *run);
  run->log = g_string_new (NULL);
  run->cancellable = g_cancellable_new ();
  run->retry_delays = g_array_new (FALSE, FALSE, sizeof (guint));
}

static SamChatRequest *
simple_request (void)
{
  SamChatRequest *request = sam_chat_request_new ();
  g_autoptr (SamChatMessage) message = sam_chat_message_new (SAM_CHAT_ROLE_USER, "Hello!");

  sam_chat_request_add_message (request, message);
  return request;
}

static void
run_stream (SamProvider *provider, Run *run)
{
  g_autoptr (SamChatRequest) request = simple_request ();

  sam_provider_stream_chat_async (provider, request, log_event, run, NULL, run->cancellable,
                                  run_done_cb, run);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);

  /* One FINISH or one ERROR, matching the result, and the reply kept either way. */
  g_assert_nonnull (run->reply);
  g_assert_cmpuint (run->n_finish + run->n_error, ==, 1);
  g_assert_cmpint (run->ok, ==, run->n_finish == 1);
  g_assert_true (run->ok == (run->error == NULL));
}

static SamProvider *
provider_for (const char *kind, const char *base_url, const char *key)
{
  SamProvider *provider;

  if (g_str_equal (kind, "anthropic"))
    provider = sam_anthropic_provider_new (base_url, key, "claude-test");
  else if (g_str_equal (kind, "ollama"))
    provider = sam_ollama_provider_new (base_url, key, "llama3.2");
  else
    provider = sam_openai_provider_new (base_url, key, "gpt-test");

  /* Fast tests: short waits, scaled-down retry delays. */
  sam_http_client_set_timeouts (sam_provider_get_http_client (provider), 5000, 5000);
  sam_http_client_set_delay_scale (sam_provider_get_http_client (provider), 0.01);
  return provider;
}

static SamProvider *
provider_for_server (const char *kind, SamReplayServer *server)
{
  g_autofree char *base_url = NULL;

  if (g_str_equal (kind, "openai"))
    base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  else
    base_url = g_strdup (sam_replay_server_get_url (server));

  return provider_for (kind, base_url, TEST_KEY);
}

static char *
host_port (SamReplayServer *server)
{
  return g_strdup (strstr (sam_replay_server_get_url (server), "://") + 3);
}

/* Every transcript, split three ways. */

typedef struct
{
  const char *fixture;
  const char *kind;
  const char *text;    /* the whole reply, or the partial text before the error */
  const char *finish;  /* finish reason as logged, or NULL when it fails */
  int         error;   /* SamModelError, or -1 */
  guint       n_tools; /* complete tool calls */
  const char *log_has; /* a line the event log must contain, or NULL */
} Transcript;

static const Transcript transcripts[] = {
  { "wire/openai-stream-basic.sse", "openai",
    "I'm unable to provide real-time weather updates. To get the current weather in San "
    "Francisco, I recommend checking a reliable weather website or a weather app.",
    "stop", -1, 0, "usage 14 30\n" },
  { "wire/openai-stream-length.sse", "openai", "{\"", "length", -1, 0, NULL },
  { "wire/openai-stream-refusal.sse", "openai", "I'm sorry, I can't assist with that request.",
    "stop", -1, 0, NULL },
  { "wire/openai-stream-tools.sse", "openai", "", "tool-calls", -1, 1,
    "name=get_weather \"{\"city\":\"New York City\"}\"\n" },
  { "wire/openai-stream-tools-parallel.sse", "openai", "", "tool-calls", -1, 2,
    "tool-call 1 id=call_" },
  { "wire/ollama-openai-stream-tools.sse", "openai", "", "tool-calls", -1, 1,
    "name=get_weather \"{\"city\":\"Tokyo\"}\"\n" },
  { "wire/anthropic-stream-basic.sse", "anthropic", "Hello there!", "stop", -1, 0,
    "usage 11 6\nfinish stop end_turn\n" },
  { "wire/anthropic-stream-tools.sse", "anthropic",
    "I'll check the current weather in Paris for you.", "tool-calls", -1, 1,
    "name=get_weather \"{\"location\": \"Paris\"}\"\n" },
  { "wire/anthropic-stream-max-tokens-partial-json.sse", "anthropic",
    "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a file "
    "called taxes.txt. Let me do that for you now.",
    "length", -1, 0, NULL },
  { "wire/anthropic-stream-refusal.sse", "anthropic", "", "refusal", -1, 0, NULL },
  { "wire/anthropic-error-overloaded.sse", "anthropic", "Hello", NULL, SAM_MODEL_ERROR_OVERLOADED,
    0, "is overloaded right now; try again in a moment.\" partial=\"Hello\"\n" },
  { "wire/ollama-chat-stream.ndjson", "ollama", "The sky is blue", "stop", -1, 0,
    "usage 26 282\n" },
  { "wire/ollama-chat-stream-tools.ndjson", "ollama", "", "tool-calls", -1, 1,
    "name=get_weather \"{\"city\":\"Tokyo\"}\"\n" },
  { "wire/ollama-chat-stream-tools-current.ndjson", "ollama", "", "tool-calls", -1, 1,
    "tool-call 0 id=call_k3x9q0ab name=get_weather" },
  { "wire/ollama-stream-error.ndjson", "ollama", " Yes.Ican", NULL, SAM_MODEL_ERROR_SERVER, 0,
    "Ollama failed during the reply (an error was encountered while running the model); try "
    "again." },
  { "wire/edge/azure-prompt-filter-first-chunk.sse", "openai", "Hallo Welt!", "stop", -1, 0, NULL },
  { "wire/edge/llamacpp-error-data.sse", "openai", "", NULL, SAM_MODEL_ERROR_CONTEXT_LENGTH, 0,
    NULL },
  { "wire/edge/openai-stream-length-eof-no-terminator.sse", "openai", "{\"", "length", -1, 0,
    NULL },
  { "wire/edge/openai-stream-length-nospace.sse", "openai", "{\"", "length", -1, 0, NULL },
  { "wire/edge/openai-stream-tools-crlf.sse", "openai", "", "tool-calls", -1, 1,
    "name=get_weather \"{\"city\":\"New York City\"}\"\n" },
  { "wire/edge/openrouter-comment-keepalive.sse", "openai", "The next day", "other", -1, 0, NULL },
  { "wire/edge/sse-multiline-data.sse", "openai", "", NULL, SAM_MODEL_ERROR_NETWORK, 0,
    "ended before the reply was complete" },
  { "wire/edge/vllm-midstream-error.sse", "openai", "{\"", NULL, SAM_MODEL_ERROR_INVALID_REQUEST, 0,
    "rejected the request: <str(exception)>." },
};

static char *
replay (SamReplayServer  *server,
        SamProvider      *provider,
        const Transcript *transcript,
        SamReplaySplit    split,
        guint32           seed)
{
  g_autoptr (GBytes) body = sam_test_load_fixture (transcript->fixture);
  gboolean ndjson = g_str_has_suffix (transcript->fixture, ".ndjson");
  guint    n_requests = sam_replay_server_get_n_requests (server);
  Run      run;
  char    *log;

  sam_replay_server_queue_stream (server, ndjson ? "application/x-ndjson" : "text/event-stream",
                                  body, split, seed);
  run_init (&run);
  run_stream (provider, &run);

  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, n_requests + 1);
  g_assert_cmpstr (sam_chat_reply_get_text (run.reply), ==, transcript->text);
  g_assert_cmpuint (sam_chat_reply_get_tool_calls (run.reply)->len, ==, transcript->n_tools);
  if (transcript->error < 0)
    {
      g_assert_no_error (run.error);
      g_assert_cmpstr (sam_finish_reason_to_string (sam_chat_reply_get_finish_reason (run.reply)),
                       ==, transcript->finish);
    }
  else
    g_assert_error (run.error, SAM_MODEL_ERROR, transcript->error);

  if (transcript->log_has && !strstr (run.log->str, transcript->log_has))
    g_error ("%s: no “%s” in:\n%s", transcript->fixture, transcript->log_has, run.log->str);

  log = g_strdup (run.log->str);
  run_clear (&run);
  return log;
}

/* The same events whatever the network did to the bytes. */
static void
test_transcript (gconstpointer data)
{
  const Transcript *transcript = data;
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server (transcript->kind, server);
  g_autofree char *whole = replay (server, provider, transcript, SAM_REPLAY_WHOLE, 0);
  g_autofree char *bytewise = replay (server, provider, transcript, SAM_REPLAY_BYTEWISE, 0);

  g_test_message ("%s:\n%s", transcript->fixture, whole);
  g_assert_cmpstr (bytewise, ==, whole);

  for (guint32 seed = 1; seed <= 3; seed++)
    {
      g_autofree char *random = replay (server, provider, transcript, SAM_REPLAY_RANDOM, seed);

      g_assert_cmpstr (random, ==, whole);
    }
}

/* The recorded CRLF split: four reads, 10 ms apart. */
static void
test_crlf_hexchunks (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  g_autoptr (GBytes) text = sam_test_load_fixture ("wire/edge/crlf-split.hexchunks");
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_auto (GStrv) lines = g_strsplit (g_bytes_get_data (text, NULL), "\n", -1);
  Run run;

  for (guint i = 0; lines[i]; i++)
    {
      GByteArray *bytes = g_byte_array_new ();

      if (*lines[i] == '\0')
        {
          g_byte_array_unref (bytes);
          continue;
        }
      for (gsize j = 0; lines[i][j] && lines[i][j + 1]; j += 2)
        {
          guint8 byte =
              (g_ascii_xdigit_value (lines[i][j]) << 4) | g_ascii_xdigit_value (lines[i][j + 1]);

          g_byte_array_append (bytes, &byte, 1);
        }
      g_ptr_array_add (pieces, g_byte_array_free_to_bytes (bytes));
    }
  g_assert_cmpuint (pieces->len, ==, 4);

  sam_replay_server_queue_pieces (server, "text/event-stream", pieces, 10, FALSE);
  run_init (&run);
  run_stream (provider, &run);

  /* The first event only: the call starts, then the stream ends without a finish reason. */
  g_assert_true (g_str_has_prefix (
      run.log->str, "tool-delta 0 id=call_4XzlGBLtUe9dy3GVNV4jhq7h name=get_weather \"\"\n"
                    "error 6 \"The connection to 127.0.0.1:"));
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK);
  run_clear (&run);
}

/* Error bodies: each one mapped to the right error and sentence, retried only when it may
 * help. */

typedef struct
{
  const char *kind;
  const char *body;    /* a fixture, or literal text when it starts with '<' */
  const char *headers; /* a recorded .headers fixture, or NULL */
  guint       status;  /* when there is no .headers */
  int         code;
  const char *message; /* with %s for the server's name */
  guint       n_requests;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "openai", "wire/openai-error-401.json", NULL, 401, SAM_MODEL_ERROR_AUTHENTICATION,
    "The API key was refused by %s; check it in Preferences → Model.", 1 },
  { "openai", "wire/openai-error-429.json", "wire/openai-error-429.headers", 0,
    SAM_MODEL_ERROR_RATE_LIMIT,
    "%s is limiting how many requests you can make; wait a moment and try again.", 3 },
  { "openai", "wire/openai-error-429-insufficient-quota.json", NULL, 429, SAM_MODEL_ERROR_QUOTA,
    "Your %s account has run out of credit or quota; check your plan and billing details.", 1 },
  { "openai", "wire/openai-error-400-context-length.json", NULL, 400,
    SAM_MODEL_ERROR_CONTEXT_LENGTH,
    "The conversation is too long for the model’s context window; start a new conversation or "
    "choose a model with a larger context.",
    1 },
  { "openai", "wire/openai-error-500.json", NULL, 500, SAM_MODEL_ERROR_SERVER,
    "%s had a server error (HTTP 500); try again later.", 3 },
  { "openai", "<html><body><h1>502 Bad Gateway</h1></body></html>", NULL, 502,
    SAM_MODEL_ERROR_SERVER, "%s had a server error (HTTP 502); try again later.", 3 },
  { "openai", "wire/ollama-openai-error-404.json", NULL, 404, SAM_MODEL_ERROR_CONFIGURATION,
    "%s could not find what was asked for (model 'llama3' not found); check the model and base "
    "URL in Preferences → Model.",
    1 },
  { "openai", "wire/edge/llamacpp-error-400-context.json", NULL, 400,
    SAM_MODEL_ERROR_CONTEXT_LENGTH,
    "The conversation is too long for the model’s context window; start a new conversation or "
    "choose a model with a larger context.",
    1 },
  { "anthropic", "wire/anthropic-error-401.json", NULL, 401, SAM_MODEL_ERROR_AUTHENTICATION,
    "The API key was refused by %s; check it in Preferences → Model.", 1 },
  { "anthropic", "wire/anthropic-error-429.json", "wire/anthropic-error-429.headers", 0,
    SAM_MODEL_ERROR_RATE_LIMIT,
    "%s is limiting how many requests you can make; wait a moment and try again.", 3 },
  { "anthropic", "wire/anthropic-error-400.json", "wire/anthropic-error-400.headers", 0,
    SAM_MODEL_ERROR_INVALID_REQUEST,
    "%s rejected the request: messages.0.content.1: unexpected `tool_use_id` found in "
    "`tool_result` blocks: toolu_01GHndag5wQmbzNihYmV2UBj. Each `tool_result` block must have a "
    "corresponding `tool_use` block in the previous message.",
    1 },
  { "anthropic", "wire/anthropic-error-529.json", NULL, 529, SAM_MODEL_ERROR_OVERLOADED,
    "%s is overloaded right now; try again in a moment.", 3 },
  { "ollama", "wire/ollama-error-404.json", NULL, 404, SAM_MODEL_ERROR_CONFIGURATION,
    "%s could not find what was asked for (model 'llama3' not found); check the model and base "
    "URL in Preferences → Model.",
    1 },
};

static void
test_error_body (gconstpointer data)
{
  const ErrorCase *error_case = data;
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server (error_case->kind, server);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected = NULL;
  Run              run;

  if (error_case->body[0] == '<')
    body = g_bytes_new_static (error_case->body, strlen (error_case->body));
  else
    body = sam_test_load_fixture (error_case->body);

  if (error_case->headers)
    {
      g_autoptr (GBytes) headers = sam_test_load_fixture (error_case->headers);

      sam_replay_server_queue_recorded (server, g_bytes_get_data (headers, NULL), body);
    }
  else
    sam_replay_server_queue_response (server, error_case->status, NULL,
                                      error_case->body[0] == '<' ? "text/html" : "application/json",
                                      body);

  run_init (&run);
  run_stream (provider, &run);

  name = g_str_equal (error_case->kind, "ollama") ? g_strdup ("Ollama") : host_port (server);
  expected = g_strdup_printf (error_case->message, name);
  g_assert_error (run.error, SAM_MODEL_ERROR, error_case->code);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, error_case->n_requests);
  g_assert_cmpuint (run.retry_delays->len, ==, error_case->n_requests - 1);
  g_assert_cmpstr (sam_chat_reply_get_text (run.reply), ==, "");
  run_clear (&run);
}

/* A 401 without any key means "add one", not "yours was refused". */
static void
test_missing_key (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char *base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  g_autoptr (SamProvider) provider = provider_for ("openai", base_url, NULL);
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-error-401.json");
  g_autofree char *expected = NULL;
  g_autofree char *name = host_port (server);
  Run              run;

  sam_replay_server_queue_response (server, 401, NULL, "application/json", body);
  run_init (&run);
  run_stream (provider, &run);

  expected = g_strdup_printf (
      "%s needs an API key; add one in Preferences → Model or set SAMANTHA_API_KEY.", name);
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_null (soup_message_headers_get_one (sam_replay_server_get_request (server, 0)->headers,
                                               "Authorization"));
  run_clear (&run);
}

/* Retry timing: the server's delays are obeyed, scaled down by the test. */

typedef struct
{
  const char *headers;
  guint       status;
  guint       min_delay_ms; /* as announced in the RETRY event */
  guint       max_delay_ms;
  guint       n_requests;
} RetryCase;

static void
run_retry_case (const RetryCase *retry_case, const char *date_header)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  const char *busy = "{\"error\":{\"message\":\"busy\"}}";
  g_autoptr (GBytes) error_body = g_bytes_new_static (busy, strlen (busy));
  g_autoptr (GBytes) ok_body = sam_test_load_fixture ("wire/openai-stream-length.sse");
  g_autofree char *headers = g_strdup (date_header ? date_header : retry_case->headers);
  const double     scale = 0.05;
  Run              run;

  sam_http_client_set_delay_scale (sam_provider_get_http_client (provider), scale);
  sam_replay_server_queue_response (server, retry_case->status, headers, "application/json",
                                    error_body);
  sam_replay_server_queue_stream (server, "text/event-stream", ok_body, SAM_REPLAY_WHOLE, 0);

  run_init (&run);
  run_stream (provider, &run);

  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, retry_case->n_requests);
  if (retry_case->n_requests == 2)
    {
      guint  announced;
      gint64 gap;

      g_assert_no_error (run.error);
      g_assert_cmpuint (run.retry_delays->len, ==, 1);
      announced = g_array_index (run.retry_delays, guint, 0);
      g_assert_cmpuint (announced, >=, retry_case->min_delay_ms);
      g_assert_cmpuint (announced, <=, retry_case->max_delay_ms);

      /* The second request came after the announced delay (scaled), and not much later. */
      gap = sam_replay_server_get_request (server, 1)->time_us -
            sam_replay_server_get_request (server, 0)->time_us;
      g_assert_cmpint (gap, >=, (gint64) (announced * scale * 1000) - 2000);
      g_assert_cmpint (gap, <, (gint64) (announced * scale * 1000) + 400000);
    }
  else
    {
      g_assert_nonnull (run.error);
      g_assert_cmpuint (run.retry_delays->len, ==, 0);
    }
  run_clear (&run);
}

static void
test_retry_timing (void)
{
  static const RetryCase cases[] = {
    /* retry-after-ms wins over retry-after */
    { "retry-after-ms: 3000\nretry-after: 9", 429, 3000, 3000, 2 },
    /* seconds, possibly fractional */
    { "retry-after: 2", 503, 2000, 2000, 2 },
    { "retry-after: 1.5", 529, 1500, 1500, 2 },
    /* nothing, or a delay over a minute: backoff, 0.5 s less up to 25 % */
    { NULL, 500, 375, 500, 2 },
    { "retry-after: 120", 429, 375, 500, 2 },
    /* the server says no, or yes where the status alone would not */
    { "x-should-retry: false", 500, 0, 0, 1 },
    { "x-should-retry: true", 400, 375, 500, 2 },
    /* but never for a refused key */
    { "x-should-retry: true", 401, 0, 0, 1 },
    { "retry-after: 1", 408, 1000, 1000, 2 },
    { "retry-after: 1", 409, 1000, 1000, 2 },
  };
  RetryCase date_case = { NULL, 429, 2000, 4001, 2 };
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) later = g_date_time_add_seconds (now, 4);
  g_autofree char *date = g_date_time_format (later, "retry-after: %a, %d %b %Y %H:%M:%S GMT");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_retry_case (&cases[i], NULL);

  /* An HTTP date four seconds ahead (the header has whole seconds). */
  run_retry_case (&date_case, date);
}

static void
test_retry_backoff_grows (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("anthropic", server);
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/anthropic-error-529.json");
  Run run;

  sam_replay_server_queue_response (server, 529, NULL, "application/json", body);
  run_init (&run);
  run_stream (provider, &run);

  /* Two retries: about 0.5 s, then about 1 s; then the error. */
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_OVERLOADED);
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 3);
  g_assert_cmpuint (run.retry_delays->len, ==, 2);
  g_assert_cmpuint (g_array_index (run.retry_delays, guint, 0), >=, 375);
  g_assert_cmpuint (g_array_index (run.retry_delays, guint, 0), <=, 500);
  g_assert_cmpuint (g_array_index (run.retry_delays, guint, 1), >=, 750);
  g_assert_cmpuint (g_array_index (run.retry_delays, guint, 1), <=, 1000);
  g_assert_nonnull (strstr (run.log->str, "retry 1\nretry 2\nerror 9 "));
  run_clear (&run);
}

/* Stopping during the wait for a retry ends at once. */
static void
test_cancel_retry_wait (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-error-429.json");
  gint64 start;
  Run    run;

  sam_http_client_set_delay_scale (sam_provider_get_http_client (provider), 1.0);
  sam_replay_server_queue_response (server, 429, "retry-after: 30", "application/json", body);
  run_init (&run);
  run.cancel_on_retry = TRUE;
  start = g_get_monotonic_time ();
  run_stream (provider, &run);

  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 1);
  run_clear (&run);
}

/* Stop: the GCancellable ends the HTTP request, and the server sees it. */
static void
test_cancel_closes_connection (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  const char *piece = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"},"
                      "\"finish_reason\":null}]}\n\n";
  Run         run;

  sam_replay_server_queue_endless (server, "text/event-stream", piece, 20);
  run_init (&run);
  run.cancel_on_text = TRUE;
  run_stream (provider, &run);

  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CANCELLED);
  g_assert_cmpstr (run.error->message, ==, "The reply was stopped.");
  /* The text that arrived is kept, and reported with the error. */
  g_assert_cmpstr (sam_chat_reply_get_text (run.reply), ==, "tick ");
  g_assert_nonnull (strstr (run.log->str, "partial=\"tick \""));

  /* Not a flag the request ignores: the server's next write fails. */
  g_assert_true (sam_replay_server_wait_aborted (server, 1, 3000));
  run_clear (&run);
}

/* A server that accepts and never answers, or stops halfway, times out. */
static void
test_timeouts (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *piece = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half\"}}]}\n\n";
  g_autofree char *expected = NULL;
  g_autofree char *name = host_port (server);
  gint64           start;
  Run              run;

  sam_http_client_set_timeouts (sam_provider_get_http_client (provider), 1000, 1000);
  sam_http_client_set_max_retries (sam_provider_get_http_client (provider), 0);

  sam_replay_server_queue_hang (server);
  run_init (&run);
  start = g_get_monotonic_time ();
  run_stream (provider, &run);
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT);
  expected = g_strdup_printf ("%s did not answer within 1 second; try again later.", name);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  run_clear (&run);

  g_ptr_array_add (pieces, g_bytes_new_static (piece, strlen (piece)));
  sam_replay_server_queue_pieces (server, "text/event-stream", pieces, 0, TRUE);
  run_init (&run);
  run_stream (provider, &run);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s stopped sending the reply for 1 second; try again.", name);
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_TIMEOUT);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_cmpstr (sam_chat_reply_get_text (run.reply), ==, "Half");
  run_clear (&run);
}

/* A self-signed certificate is refused; the request, and its key, never reach the server. */
static void
test_tls_refused (void)
{
  g_autofree char *pem = sam_test_fixture_path ("tls/self-signed.pem");
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_file (pem, &error);
  g_autoptr (SamReplayServer) server = NULL;
  g_autoptr (SamProvider) provider = NULL;
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-stream-basic.sse");
  g_autofree char *expected = NULL;
  g_autofree char *name = NULL;
  Run              run;

  g_assert_no_error (error);
  server = sam_replay_server_new (certificate);
  g_assert_true (g_str_has_prefix (sam_replay_server_get_url (server), "https://"));
  provider = provider_for_server ("openai", server);
  sam_replay_server_queue_stream (server, "text/event-stream", body, SAM_REPLAY_WHOLE, 0);

  run_init (&run);
  run_stream (provider, &run);

  name = host_port (server);
  expected = g_strdup_printf ("The security certificate of %s is not valid, so Samantha did not "
                              "connect; check the base URL in Preferences → Model.",
                              name);
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK);
  g_assert_cmpstr (run.error->message, ==, expected);
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 0);
  run_clear (&run);
}

static void
test_connection_refused (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char *url = g_strdup (sam_replay_server_get_url (server));
  g_autoptr (SamProvider) provider = NULL;
  Run run;

  /* The port is free again once the server is gone. */
  g_clear_pointer (&server, sam_replay_server_free);
  provider = provider_for ("ollama", url, NULL);
  run_init (&run);
  run_stream (provider, &run);

  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_NETWORK);
  g_assert_true (
      g_str_has_prefix (run.error->message, "Could not connect to Ollama at 127.0.0.1:"));
  g_assert_true (g_str_has_suffix (run.error->message,
                                   "; check that it is running and that the base URL is right."));
  g_assert_cmpuint (run.retry_delays->len, ==, 0);
  run_clear (&run);
}

static void
test_no_model (void)
{
  g_autoptr (SamProvider) remote =
      sam_openai_provider_new ("https://llm.example.org/v1", TEST_KEY, NULL);
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) local = NULL;
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-stream-length.sse");
  g_autoptr (JsonObject) sent = NULL;
  Run run;

  /* A remote server needs a model name: said before anything is sent. */
  run_init (&run);
  run_stream (remote, &run);
  g_assert_error (run.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION);
  g_assert_cmpstr (run.error->message, ==,
                   "No model is chosen for llm.example.org; choose one in Preferences → Model "
                   "or set SAMANTHA_MODEL.");
  run_clear (&run);

  /* A server on this computer serves what it has loaded. The base URL works without /v1. */
  local = sam_openai_provider_new (sam_replay_server_get_url (server), NULL, NULL);
  sam_replay_server_queue_stream (server, "text/event-stream", body, SAM_REPLAY_WHOLE, 0);
  run_init (&run);
  run_stream (local, &run);
  g_assert_no_error (run.error);
  g_assert_cmpstr (sam_replay_server_get_request (server, 0)->path, ==, "/v1/chat/completions");
  sent = request_json (server, 0);
  g_assert_false (json_object_has_member (sent, "model"));
  run_clear (&run);
}

static void
test_api_roots (void)
{
  static const struct
  {
    const char *id;
    const char *base_url;
    const char *root;
  } cases[] = {
    { "openai", "https://api.openai.com/v1", "https://api.openai.com/v1" },
    { "openai", "http://127.0.0.1:8080", "http://127.0.0.1:8080/v1" },
    { "openai", "http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1" },
    { "openai", "https://openrouter.ai/api/v1/", "https://openrouter.ai/api/v1" },
    { "openai", "https://generativelanguage.googleapis.com/v1beta/openai",
      "https://generativelanguage.googleapis.com/v1beta/openai" },
    { "anthropic", "https://api.anthropic.com", "https://api.anthropic.com" },
    { "anthropic", "https://api.anthropic.com/v1/", "https://api.anthropic.com" },
    { "ollama", "http://127.0.0.1:11434/api", "http://127.0.0.1:11434" },
    { "ollama", "http://127.0.0.1:11434/v1", "http://127.0.0.1:11434" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *root = sam_provider_api_root (cases[i].id, cases[i].base_url);

      g_assert_cmpstr (root, ==, cases[i].root);
    }
}

/* What goes over the wire. */

static JsonObject *
request_json (SamReplayServer *server, guint index)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  GBytes *body = sam_replay_server_get_request (server, index)->body;

  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                              &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static SamChatRequest *
rich_request (void)
{
  SamChatRequest *request = sam_chat_request_new ();
  g_autoptr (SamChatMessage) user = sam_chat_message_new (SAM_CHAT_ROLE_USER, "Weather?");
  g_autoptr (SamChatMessage) assistant = sam_chat_message_new (SAM_CHAT_ROLE_ASSISTANT, "");
  g_autoptr (SamChatMessage) result = NULL;
  g_autoptr (SamToolCall) call =
      sam_tool_call_new ("call_1", "get_weather", "{\"city\":\"Paris\"}");
  g_autoptr (SamToolDefinition) tool =
      sam_tool_definition_new ("get_weather", "Get the weather", NULL);

  sam_chat_request_set_system_prompt (request, "You are Samantha.");
  sam_chat_request_add_message (request, user);
  sam_chat_message_add_tool_call (assistant, call);
  sam_chat_request_add_message (request, assistant);
  result = sam_chat_message_new_tool_result ("call_1", "get_weather", "Sunny");
  sam_chat_request_add_message (request, result);
  sam_chat_request_add_tool (request, tool);
  sam_chat_request_set_temperature (request, 0.5);
  sam_chat_request_set_max_tokens (request, 100);
  return request;
}

static void
send_rich_request (SamProvider *provider, SamReplayServer *server, const char *fixture)
{
  g_autoptr (SamChatRequest) request = rich_request ();
  g_autoptr (GBytes) body = sam_test_load_fixture (fixture);
  Run run;

  sam_replay_server_queue_stream (
      server, g_str_has_suffix (fixture, ".ndjson") ? "application/x-ndjson" : "text/event-stream",
      body, SAM_REPLAY_WHOLE, 0);
  run_init (&run);
  sam_provider_stream_chat_async (provider, request, log_event, &run, NULL, NULL, run_done_cb,
                                  &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (run.error);
  run_clear (&run);
}

static void
test_request_openai (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  g_autoptr (JsonObject) body = NULL;
  const SamReplayRequest *request;
  JsonArray              *messages;
  JsonObject             *assistant;

  send_rich_request (provider, server, "wire/openai-stream-basic.sse");
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/v1/chat/completions");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Authorization"), ==,
                   "Bearer " TEST_KEY);
  g_assert_null (soup_message_headers_get_one (request->headers, "x-api-key"));

  body = request_json (server, 0);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "gpt-test");
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_true (json_object_get_boolean_member (
      json_object_get_object_member (body, "stream_options"), "include_usage"));
  g_assert_cmpfloat (json_object_get_double_member (body, "temperature"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 100);

  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 0), "role"), ==,
      "system");
  assistant = json_array_get_object_element (messages, 2);
  g_assert_true (json_object_get_null_member (assistant, "content"));
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (
                           json_array_get_object_element (
                               json_object_get_array_member (assistant, "tool_calls"), 0),
                           "function"),
                       "arguments"),
                   ==, "{\"city\":\"Paris\"}");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 3), "tool_call_id"),
      ==, "call_1");
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (
              json_array_get_object_element (json_object_get_array_member (body, "tools"), 0),
              "function"),
          "name"),
      ==, "get_weather");
}

static void
test_request_anthropic (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("anthropic", server);
  g_autoptr (JsonObject) body = NULL;
  const SamReplayRequest *request;
  JsonArray              *messages;
  JsonObject             *block;

  send_rich_request (provider, server, "wire/anthropic-stream-basic.sse");
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->path, ==, "/v1/messages");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "x-api-key"), ==, TEST_KEY);
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "anthropic-version"), ==,
                   "2023-06-01");
  g_assert_null (soup_message_headers_get_one (request->headers, "Authorization"));

  body = request_json (server, 0);
  g_assert_cmpstr (json_object_get_string_member (body, "system"), ==, "You are Samantha.");
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 100);
  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  block = json_array_get_object_element (
      json_object_get_array_member (json_array_get_object_element (messages, 1), "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (block, "type"), ==, "tool_use");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (block, "input"), "city"), ==,
      "Paris");
  block = json_array_get_object_element (
      json_object_get_array_member (json_array_get_object_element (messages, 2), "content"), 0);
  g_assert_cmpstr (json_object_get_string_member (block, "type"), ==, "tool_result");
  g_assert_cmpstr (json_object_get_string_member (block, "tool_use_id"), ==, "call_1");
  g_assert_true (json_object_has_member (
      json_array_get_object_element (json_object_get_array_member (body, "tools"), 0),
      "input_schema"));
}

static void
test_request_ollama (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = NULL;
  g_autoptr (JsonObject) body = NULL;
  const SamReplayRequest *request;
  JsonArray              *messages;
  JsonObject             *function;

  provider = provider_for ("ollama", sam_replay_server_get_url (server), NULL);
  send_rich_request (provider, server, "wire/ollama-chat-stream.ndjson");
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->path, ==, "/api/chat");
  g_assert_null (soup_message_headers_get_one (request->headers, "Authorization"));

  body = request_json (server, 0);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (body, "options"), "num_predict"),
      ==, 100);
  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);
  function = json_object_get_object_member (
      json_array_get_object_element (
          json_object_get_array_member (json_array_get_object_element (messages, 2), "tool_calls"),
          0),
      "function");
  /* An object, not a string of JSON. */
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (function, "arguments"), "city"),
      ==, "Paris");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 3), "tool_name"), ==,
      "get_weather");
}

/* Models and embeddings. */

typedef struct
{
  char     **models;
  GPtrArray *vectors;
  GError    *error;
  gboolean   done;
} Fetch;

static void
models_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Fetch *fetch = data;

  fetch->models = sam_provider_list_models_finish (SAM_PROVIDER (object), result, &fetch->error);
  fetch->done = TRUE;
}

static void
embed_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Fetch *fetch = data;

  fetch->vectors = sam_provider_embed_finish (SAM_PROVIDER (object), result, &fetch->error);
  fetch->done = TRUE;
}

static char **
list_models (SamProvider *provider, GError **error)
{
  Fetch fetch = { 0 };

  sam_provider_list_models_async (provider, NULL, models_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  if (fetch.error)
    g_propagate_error (error, fetch.error);
  return fetch.models;
}

static void
test_list_models (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) openai = provider_for_server ("openai", server);
  g_autoptr (SamProvider) ollama = provider_for_server ("ollama", server);
  g_autoptr (SamProvider) anthropic = provider_for_server ("anthropic", server);
  g_autoptr (GBytes) openai_models = sam_test_load_fixture ("wire/openai-models.json");
  g_autoptr (GBytes) tags = sam_test_load_fixture ("wire/ollama-tags.json");
  const char *anthropic_list = "{\"data\":[{\"type\":\"model\",\"id\":\"claude-b\"},"
                               "{\"type\":\"model\",\"id\":\"claude-a\"}],\"has_more\":false}";
  g_autoptr (GBytes) anthropic_models =
      g_bytes_new_static (anthropic_list, strlen (anthropic_list));
  g_autoptr (GBytes) unauthorized = sam_test_load_fixture ("wire/anthropic-error-401.json");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) models = NULL;

  sam_replay_server_queue_response (server, 200, NULL, "application/json", openai_models);
  models = list_models (openai, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (models,
                    ((const char *const[]){ "model-id-0", "model-id-1", "model-id-2", NULL }));
  g_assert_cmpstr (sam_replay_server_get_request (server, 0)->path, ==, "/v1/models");
  g_clear_pointer (&models, g_strfreev);

  sam_replay_server_queue_response (server, 200, NULL, "application/json", tags);
  models = list_models (ollama, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (models[0], ==, "deepseek-r1:latest");
  g_assert_cmpstr (models[1], ==, "llama3.2:latest");
  g_assert_cmpstr (sam_replay_server_get_request (server, 1)->path, ==, "/api/tags");
  g_clear_pointer (&models, g_strfreev);

  sam_replay_server_queue_response (server, 200, NULL, "application/json", anthropic_models);
  models = list_models (anthropic, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (models, ((const char *const[]){ "claude-a", "claude-b", NULL }));
  g_assert_cmpstr (soup_message_headers_get_one (sam_replay_server_get_request (server, 2)->headers,
                                                 "x-api-key"),
                   ==, TEST_KEY);
  g_clear_pointer (&models, g_strfreev);

  /* "Test connection" gets the real outcome. */
  sam_replay_server_queue_response (server, 401, NULL, "application/json", unauthorized);
  models = list_models (anthropic, &error);
  g_assert_null (models);
  g_assert_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_AUTHENTICATION);
}

static void
test_embeddings (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) openai = provider_for_server ("openai", server);
  g_autoptr (SamProvider) anthropic = provider_for_server ("anthropic", server);
  g_autoptr (GBytes) body = sam_test_load_fixture ("wire/openai-embeddings.json");
  g_autoptr (JsonObject) sent = NULL;
  const char *texts[] = { "The food was delicious", NULL };
  Fetch       fetch = { 0 };
  GArray     *vector;

  g_assert_true (sam_provider_can_embed (openai));
  sam_replay_server_queue_response (server, 200, NULL, "application/json", body);
  sam_provider_embed_async (openai, texts, NULL, embed_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (fetch.error);
  g_assert_cmpuint (fetch.vectors->len, ==, 1);
  vector = g_ptr_array_index (fetch.vectors, 0);
  g_assert_cmpuint (vector->len, ==, 3);
  g_assert_cmpfloat_with_epsilon (g_array_index (vector, float, 1), -0.009327292, 1e-7);
  g_ptr_array_unref (fetch.vectors);

  sent = request_json (server, 0);
  g_assert_cmpstr (sam_replay_server_get_request (server, 0)->path, ==, "/v1/embeddings");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (sent, "input"), 0),
                   ==, "The food was delicious");

  memset (&fetch, 0, sizeof fetch);
  g_assert_false (sam_provider_can_embed (anthropic));
  sam_provider_embed_async (anthropic, texts, NULL, embed_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (fetch.error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_NOT_SUPPORTED);
  g_clear_error (&fetch.error);
}

/* Which provider: environment, then settings, then what runs on this computer. */

typedef struct
{
  SamProviderConfig *config;
  GError            *error;
  gboolean           done;
} Resolve;

static void
resolve_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Resolve *resolve = data;

  resolve->config = sam_provider_config_resolve_finish (result, &resolve->error);
  resolve->done = TRUE;
}

static SamProviderConfig *
resolve (GSettings *settings, GError **error)
{
  Resolve resolve = { 0 };

  sam_provider_config_resolve_async (settings, NULL, resolve_cb, &resolve);
  while (!resolve.done)
    g_main_context_iteration (NULL, TRUE);
  if (resolve.error)
    g_propagate_error (error, resolve.error);
  return resolve.config;
}

static void
test_config_resolution (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (SamReplayServer) ollama = sam_replay_server_new (NULL);
  g_autoptr (SamReplayServer) llamacpp = sam_replay_server_new (NULL);
  g_autoptr (SamReplayServer) gone = sam_replay_server_new (NULL);
  g_autoptr (GBytes) tags = sam_test_load_fixture ("wire/ollama-tags.json");
  g_autoptr (GBytes) models = sam_test_load_fixture ("wire/openai-models.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (SamProviderConfig) config = NULL;
  g_autofree char *llamacpp_url = g_strconcat (sam_replay_server_get_url (llamacpp), "/v1", NULL);
  g_autofree char *gone_url = g_strdup (sam_replay_server_get_url (gone));

  g_clear_pointer (&gone, sam_replay_server_free);

  /* Settings. */
  g_settings_set_string (settings, "provider", "anthropic");
  g_settings_set_string (settings, "base-url", "https://example.com/anthropic/");
  g_settings_set_string (settings, "model", "claude-x");
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "anthropic");
  g_assert_cmpstr (config->base_url, ==, "https://example.com/anthropic");
  g_assert_cmpstr (config->model, ==, "claude-x");
  g_assert_null (config->api_key);
  g_assert_cmpint (config->source, ==, SAM_PROVIDER_SOURCE_SETTINGS);
  g_assert_true (sam_provider_config_needs_key (config));
  g_clear_pointer (&config, sam_provider_config_free);

  /* The environment wins, and the settings of another provider are not mixed in. */
  g_setenv ("SAMANTHA_PROVIDER", "openai", TRUE);
  g_setenv ("SAMANTHA_API_KEY", TEST_KEY, TRUE);
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "openai");
  g_assert_cmpstr (config->base_url, ==, "https://api.openai.com/v1");
  g_assert_cmpstr (config->model, ==, "gpt-4o-mini");
  g_assert_cmpstr (config->api_key, ==, TEST_KEY);
  g_assert_cmpint (config->source, ==, SAM_PROVIDER_SOURCE_ENVIRONMENT);
  g_clear_pointer (&config, sam_provider_config_free);

  g_setenv ("SAMANTHA_PROVIDER", "anthropic", TRUE);
  g_setenv ("SAMANTHA_MODEL", "claude-env", TRUE);
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->base_url, ==, "https://example.com/anthropic");
  g_assert_cmpstr (config->model, ==, "claude-env");
  g_clear_pointer (&config, sam_provider_config_free);

  g_setenv ("SAMANTHA_PROVIDER", "gemini", TRUE);
  config = resolve (settings, &error);
  g_assert_null (config);
  g_assert_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION);
  g_clear_error (&error);
  g_unsetenv ("SAMANTHA_PROVIDER");
  g_unsetenv ("SAMANTHA_MODEL");
  g_unsetenv ("SAMANTHA_API_KEY");

  /* A base URL alone: Ollama's port, with its first model. */
  g_setenv ("SAMANTHA_BASE_URL", "http://127.0.0.1:11434", TRUE);
  g_settings_set_string (settings, "provider", "auto");
  sam_provider_config_set_detection_urls (gone_url, gone_url);
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "ollama");
  g_assert_false (sam_provider_config_needs_key (config));
  g_clear_pointer (&config, sam_provider_config_free);
  g_unsetenv ("SAMANTHA_BASE_URL");

  /* Nothing chosen: Ollama first, then llama.cpp, then a clear error. */
  g_settings_set_string (settings, "model", "");
  sam_replay_server_queue_response (ollama, 200, NULL, "application/json", tags);
  sam_provider_config_set_detection_urls (sam_replay_server_get_url (ollama), llamacpp_url);
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "ollama");
  g_assert_cmpstr (config->base_url, ==, sam_replay_server_get_url (ollama));
  g_assert_cmpstr (config->model, ==, "deepseek-r1:latest");
  g_assert_cmpint (config->source, ==, SAM_PROVIDER_SOURCE_DETECTED);
  g_clear_pointer (&config, sam_provider_config_free);

  sam_replay_server_queue_response (llamacpp, 200, NULL, "application/json", models);
  sam_provider_config_set_detection_urls (gone_url, llamacpp_url);
  config = resolve (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->provider, ==, "openai");
  g_assert_cmpstr (config->base_url, ==, llamacpp_url);
  g_assert_cmpstr (config->model, ==, "model-id-0");
  g_assert_false (sam_provider_config_needs_key (config));
  g_assert_cmpstr (soup_message_headers_get_one (
                       sam_replay_server_get_request (llamacpp, 0)->headers, "Authorization"),
                   ==, NULL);
  g_clear_pointer (&config, sam_provider_config_free);

  sam_provider_config_set_detection_urls (gone_url, gone_url);
  config = resolve (settings, &error);
  g_assert_null (config);
  g_assert_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_CONFIGURATION);
  g_assert_cmpstr (error->message, ==,
                   "No model provider is set up; choose one in Preferences → Model, or start "
                   "Ollama or a llama.cpp server on this computer.");
  sam_provider_config_set_detection_urls (NULL, NULL);
  g_settings_reset (settings, "provider");
  g_settings_reset (settings, "base-url");
  g_settings_reset (settings, "model");
}

static void
test_provider_names (void)
{
  static const struct
  {
    const char *id;
    const char *url;
    const char *name;
  } cases[] = {
    { "openai", "https://api.openai.com/v1", "OpenAI" },
    { "openai", "https://openrouter.ai/api/v1", "OpenRouter" },
    { "openai", "https://api.groq.com/openai/v1", "Groq" },
    { "openai", "https://generativelanguage.googleapis.com/v1beta/openai", "Gemini" },
    { "openai", "http://127.0.0.1:8080/v1", "llama.cpp" },
    { "openai", "http://localhost:1234/v1", "LM Studio" },
    { "openai", "https://llm.example.org:8443/v1", "llm.example.org:8443" },
    { "anthropic", "https://api.anthropic.com", "Anthropic" },
    { "ollama", "http://192.168.1.5:11434", "Ollama" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = sam_provider_name_for_url (cases[i].id, cases[i].url);

      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

static void
test_tool_call_assembly (void)
{
  /* Gemini omits index; some servers reuse index 0 and tell calls apart by id. */
  const char *stream =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":"
      "{\"name\":\"one\",\"arguments\":\"{\\\"x\\\":\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":"
      "{\"arguments\":\"1}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"b\","
      "\"function\":{\"name\":\"two\",\"arguments\":\"{}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\","
      "\"function\":{\"name\":\"three\",\"arguments\":\"{\\\"cut\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
      "data: [DONE]\n\n";
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (SamProvider) provider = provider_for_server ("openai", server);
  g_autoptr (GBytes) body = g_bytes_new_static (stream, strlen (stream));
  GPtrArray *calls;
  Run        run;

  sam_replay_server_queue_stream (server, "text/event-stream", body, SAM_REPLAY_BYTEWISE, 0);
  run_init (&run);
  run_stream (provider, &run);
  g_assert_no_error (run.error);

  /* Three calls; the third never became valid JSON, so it never reaches a tool. */
  calls = sam_chat_reply_get_tool_calls (run.reply);
  g_assert_cmpuint (calls->len, ==, 2);
  g_assert_cmpstr (((SamToolCall *) g_ptr_array_index (calls, 0))->name, ==, "one");
  g_assert_cmpstr (((SamToolCall *) g_ptr_array_index (calls, 0))->arguments, ==, "{\"x\":1}");
  g_assert_cmpstr (((SamToolCall *) g_ptr_array_index (calls, 1))->id, ==, "b");
  g_assert_nonnull (strstr (run.log->str, "tool-delta 2 id=c name=three"));
  g_assert_null (strstr (run.log->str, "tool-call 2"));
  run_clear (&run);
}

/* A server that ignores "stream": true answers with one JSON document; it still works. */
static void
test_unstreamed_answers (void)
{
  static const struct
  {
    const char *kind;
    const char *fixture;
    const char *text;
    guint       n_tools;
    const char *log_has;
  } cases[] = {
    { "openai", "wire/openai-response-basic.json",
      "I'm unable to provide real-time weather updates. To get the current weather in San "
      "Francisco, I recommend checking a reliable weather website or app like the Weather "
      "Channel or a local news station.",
      0, "station.\"\nfinish stop stop\n" },
    { "openai", "wire/openai-response-tools.json", "", 2,
      "tool-call 1 id=call_h1DWI1POMJLb0KwIyQHWXD4p name=get_stock_price" },
    { "anthropic", "wire/anthropic-response-tools.json", "", 1,
      "tool-call 0 id=toolu_01GHndag5wQmbzNihYmV2UBj name=get_weather "
      "\"{\"location\":\"San Francisco, CA\",\"units\":\"c\"}\"\nusage 659 74\n"
      "finish tool-calls tool_use\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
      g_autoptr (SamProvider) provider = provider_for_server (cases[i].kind, server);
      g_autoptr (GBytes) body = sam_test_load_fixture (cases[i].fixture);
      Run run;

      sam_replay_server_queue_response (server, 200, NULL, "application/json", body);
      run_init (&run);
      run_stream (provider, &run);
      g_assert_no_error (run.error);
      g_assert_cmpstr (sam_chat_reply_get_text (run.reply), ==, cases[i].text);
      g_assert_cmpuint (sam_chat_reply_get_tool_calls (run.reply)->len, ==, cases[i].n_tools);
      if (!strstr (run.log->str, cases[i].log_has))
        g_error ("%s: no “%s” in:\n%s", cases[i].fixture, cases[i].log_has, run.log->str);
      run_clear (&run);
    }
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (transcripts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/providers/transcript/%s", transcripts[i].fixture);

      g_test_add_data_func (path, &transcripts[i], test_transcript);
    }
  g_test_add_func ("/providers/transcript/crlf-split-hexchunks", test_crlf_hexchunks);
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path =
          g_strdup_printf ("/providers/error/%s/%s", error_cases[i].kind,
                           error_cases[i].body[0] == '<' ? "html-502" : error_cases[i].body);

      g_test_add_data_func (path, &error_cases[i], test_error_body);
    }
  g_test_add_func ("/providers/error/missing-key", test_missing_key);
  g_test_add_func ("/providers/retry/timing", test_retry_timing);
  g_test_add_func ("/providers/retry/backoff-grows", test_retry_backoff_grows);
  g_test_add_func ("/providers/retry/cancel-wait", test_cancel_retry_wait);
  g_test_add_func ("/providers/cancel-closes-connection", test_cancel_closes_connection);
  g_test_add_func ("/providers/timeouts", test_timeouts);
  g_test_add_func ("/providers/tls-refused", test_tls_refused);
  g_test_add_func ("/providers/connection-refused", test_connection_refused);
  g_test_add_func ("/providers/no-model", test_no_model);
  g_test_add_func ("/providers/request/openai", test_request_openai);
  g_test_add_func ("/providers/request/anthropic", test_request_anthropic);
  g_test_add_func ("/providers/request/ollama", test_request_ollama);
  g_test_add_func ("/providers/tool-call-assembly", test_tool_call_assembly);
  g_test_add_func ("/providers/unstreamed-answers", test_unstreamed_answers);
  g_test_add_func ("/providers/list-models", test_list_models);
  g_test_add_func ("/providers/embeddings", test_embeddings);
  g_test_add_func ("/providers/config-resolution", test_config_resolution);
  g_test_add_func ("/providers/names", test_provider_names);
  g_test_add_func ("/providers/api-roots", test_api_roots);

  return g_test_run ();
}
