/* test-ask.c — the real `samantha --ask` binary against the replay server: stdout, stderr,
 * exit statuses, the key in the right header and nowhere on disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "desktop/sam-secrets.h"
#include "sam-ask.h"
#include "sam-replay-server.h"
#include "sam-test-grep.h"
#include "sam-test-util.h"

#define ENV_KEY     "sk-env-Qw3Er5Ty7Ui9"
#define KEYRING_KEY "sk-ant-keyring-Zx1Cv3Bn5"

typedef struct
{
  char    *home;
  char   **env;
  char    *out;
  char    *err;
  int      status;
  gboolean done;
  gboolean interrupt_on_output;
  GPid     pid;
} Ask;

/* Each run gets a home of its own, empty, and only the environment the test gives it. */
static void
ask_init (Ask *ask)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *keyring = NULL;

  memset (ask, 0, sizeof *ask);
  ask->home = g_dir_make_tmp ("samantha-ask-XXXXXX", &error);
  g_assert_no_error (error);
  keyring = g_build_filename (ask->home, "keyring", "default.keyring", NULL);

  ask->env = g_get_environ ();
  ask->env = g_environ_setenv (ask->env, "HOME", ask->home, TRUE);
  ask->env = g_environ_setenv (ask->env, "XDG_DATA_HOME", ask->home, TRUE);
  ask->env = g_environ_setenv (ask->env, "XDG_CONFIG_HOME", ask->home, TRUE);
  ask->env = g_environ_setenv (ask->env, "XDG_CACHE_HOME", ask->home, TRUE);
  ask->env = g_environ_setenv (ask->env, "SECRET_BACKEND", "file", TRUE);
  ask->env = g_environ_setenv (ask->env, "SECRET_FILE_TEST_PATH", keyring, TRUE);
  ask->env = g_environ_setenv (ask->env, "SECRET_FILE_TEST_PASSWORD", "samantha-test", TRUE);
  ask->env = g_environ_setenv (ask->env, "SAMANTHA_RETRY_DELAY_SCALE", "0.01", TRUE);
  ask->env = g_environ_unsetenv (ask->env, "DISPLAY");
  ask->env = g_environ_unsetenv (ask->env, "WAYLAND_DISPLAY");
  ask->env = g_environ_unsetenv (ask->env, "DBUS_SESSION_BUS_ADDRESS");
  ask->env = g_environ_unsetenv (ask->env, "SAMANTHA_API_KEY");
  ask->env = g_environ_unsetenv (ask->env, "SAMANTHA_PROVIDER");
  ask->env = g_environ_unsetenv (ask->env, "SAMANTHA_BASE_URL");
  ask->env = g_environ_unsetenv (ask->env, "SAMANTHA_MODEL");
}

static void
ask_setenv (Ask *ask, const char *name, const char *value)
{
  ask->env = g_environ_setenv (ask->env, name, value, TRUE);
}

static void
ask_clear (Ask *ask)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", ask->home);

  g_assert_cmpint (system (command), ==, 0);
  g_free (ask->home);
  g_strfreev (ask->env);
  g_free (ask->out);
  g_free (ask->err);
}

typedef struct
{
  Ask        *ask;
  GIOChannel *out;
  GString    *out_text;
  GString    *err_text;
  guint       open;
} Pipes;

static gboolean
read_pipe (GIOChannel *channel, GIOCondition condition, gpointer data)
{
  Pipes    *pipes = data;
  GString  *text = channel == pipes->out ? pipes->out_text : pipes->err_text;
  char      buffer[4096];
  gsize     n = 0;
  GIOStatus status;

  status = g_io_channel_read_chars (channel, buffer, sizeof buffer, &n, NULL);
  g_string_append_len (text, buffer, n);

  /* Stop in the middle of the reply, as Ctrl+C would. */
  if (channel == pipes->out && n > 0 && pipes->ask->interrupt_on_output)
    {
      pipes->ask->interrupt_on_output = FALSE;
      kill (pipes->ask->pid, SIGINT);
    }

  if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR)
    {
      pipes->open--;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
child_exited (GPid pid, int wait_status, gpointer data)
{
  Ask *ask = data;

  g_assert_true (WIFEXITED (wait_status));
  ask->status = WEXITSTATUS (wait_status);
  ask->done = TRUE;
  g_spawn_close_pid (pid);
}

/* Runs `samantha --ask QUESTION` while this process's main loop serves the replay server. */
static void
ask_run (Ask *ask, const char *question)
{
  const char *exe = g_getenv ("SAMANTHA_EXE");
  const char *argv[] = { exe, "--ask", question, NULL };
  g_autoptr (GError) error = NULL;
  Pipes       pipes = { 0 };
  int         out_fd;
  int         err_fd;
  GIOChannel *err;

  g_assert_nonnull (exe);
  g_spawn_async_with_pipes (ask->home, (char **) argv, ask->env, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                            NULL, &ask->pid, NULL, &out_fd, &err_fd, &error);
  g_assert_no_error (error);

  pipes.ask = ask;
  pipes.out_text = g_string_new (NULL);
  pipes.err_text = g_string_new (NULL);
  pipes.out = g_io_channel_unix_new (out_fd);
  err = g_io_channel_unix_new (err_fd);
  g_io_channel_set_encoding (pipes.out, NULL, NULL);
  g_io_channel_set_encoding (err, NULL, NULL);
  /* One read() per wakeup: a buffered channel would wait for a full buffer. */
  g_io_channel_set_buffered (pipes.out, FALSE);
  g_io_channel_set_buffered (err, FALSE);
  g_io_channel_set_close_on_unref (pipes.out, TRUE);
  g_io_channel_set_close_on_unref (err, TRUE);
  pipes.open = 2;
  g_io_add_watch (pipes.out, G_IO_IN | G_IO_HUP | G_IO_ERR, read_pipe, &pipes);
  g_io_add_watch (err, G_IO_IN | G_IO_HUP | G_IO_ERR, read_pipe, &pipes);
  g_child_watch_add (ask->pid, child_exited, ask);

  while (!ask->done || pipes.open > 0)
    g_main_context_iteration (NULL, TRUE);

  g_io_channel_unref (pipes.out);
  g_io_channel_unref (err);
  ask->out = g_string_free (pipes.out_text, FALSE);
  ask->err = g_string_free (pipes.err_text, FALSE);
}

static void
assert_key_not_on_disk (Ask *ask, const char *key)
{
  g_autofree char *found = sam_test_grep_tree (ask->home, key);

  g_assert_cmpstr (found, ==, NULL);
}

static char *
queue_fixture (SamReplayServer *server, const char *fixture)
{
  g_autoptr (GBytes) body = sam_test_load_fixture (fixture);

  sam_replay_server_queue_stream (
      server, g_str_has_suffix (fixture, ".ndjson") ? "application/x-ndjson" : "text/event-stream",
      body, SAM_REPLAY_RANDOM, 7);
  return g_strdup (fixture);
}

static void
test_openai_env_key (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char        *base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  g_autofree char        *fixture = queue_fixture (server, "wire/openai-stream-basic.sse");
  const SamReplayRequest *request;
  Ask                     ask;

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "openai");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", base_url);
  ask_setenv (&ask, "SAMANTHA_MODEL", "gpt-4o");
  ask_setenv (&ask, "SAMANTHA_API_KEY", ENV_KEY);
  ask_run (&ask, "What's the weather in San Francisco?");

  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_OK);
  g_assert_cmpstr (ask.err, ==, "");
  /* Exactly the streamed text, nothing added. */
  g_assert_cmpstr (ask.out, ==,
                   "I'm unable to provide real-time weather updates. To get the current weather "
                   "in San Francisco, I recommend checking a reliable weather website or a "
                   "weather app.");

  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 1);
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->path, ==, "/v1/chat/completions");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Authorization"), ==,
                   "Bearer " ENV_KEY);
  g_assert_nonnull (strstr (g_bytes_get_data (request->body, NULL),
                            "\"content\":\"What's the weather in San Francisco?\""));
  assert_key_not_on_disk (&ask, ENV_KEY);
  ask_clear (&ask);
}

typedef struct
{
  gboolean done;
  GError  *error;
} Store;

static void
stored_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Store *store = data;

  sam_secrets_store_finish (result, &store->error);
  store->done = TRUE;
}

static void
test_anthropic_keyring_key (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char        *fixture = queue_fixture (server, "wire/anthropic-stream-basic.sse");
  g_autofree char        *keyring = NULL;
  const SamReplayRequest *request;
  Store                   store = { 0 };
  Ask                     ask;

  ask_init (&ask);

  /* The key goes into the child's keyring (the file backend, encrypted, in its home). */
  keyring = g_build_filename (ask.home, "keyring", "default.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "samantha-test", TRUE);
  sam_secrets_store_async ("anthropic", sam_replay_server_get_url (server), KEYRING_KEY, NULL,
                           stored_cb, &store);
  while (!store.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (store.error);
  g_assert_true (g_file_test (keyring, G_FILE_TEST_EXISTS));

  ask_setenv (&ask, "SAMANTHA_PROVIDER", "anthropic");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", sam_replay_server_get_url (server));
  ask_run (&ask, "Hi");

  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_OK);
  g_assert_cmpstr (ask.err, ==, "");
  g_assert_cmpstr (ask.out, ==, "Hello there!");
  request = sam_replay_server_get_request (server, 0);
  g_assert_cmpstr (request->path, ==, "/v1/messages");
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "x-api-key"), ==, KEYRING_KEY);
  g_assert_null (soup_message_headers_get_one (request->headers, "Authorization"));
  assert_key_not_on_disk (&ask, KEYRING_KEY);
  ask_clear (&ask);
}

/* A local Ollama: no key, and the first model it lists. */
static void
test_ollama_first_model (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (GBytes) tags = sam_test_load_fixture ("wire/ollama-tags.json");
  g_autofree char *fixture = NULL;
  Ask              ask;

  sam_replay_server_queue_response (server, 200, NULL, "application/json", tags);
  fixture = queue_fixture (server, "wire/ollama-chat-stream.ndjson");

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "ollama");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", sam_replay_server_get_url (server));
  ask_run (&ask, "Why is the sky blue?");

  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_OK);
  g_assert_cmpstr (ask.out, ==, "The sky is blue");
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 2);
  g_assert_cmpstr (sam_replay_server_get_request (server, 0)->path, ==, "/api/tags");
  g_assert_cmpstr (sam_replay_server_get_request (server, 1)->path, ==, "/api/chat");
  g_assert_nonnull (
      strstr (g_bytes_get_data (sam_replay_server_get_request (server, 1)->body, NULL),
              "\"model\":\"deepseek-r1:latest\""));
  ask_clear (&ask);
}

typedef struct
{
  const char *name;
  const char *provider;
  const char *fixture; /* a stream, or an error body with @status */
  guint       status;
  const char *out;
  int         exit_status;
  const char *err; /* with %s for the server's host and port */
} Failure;

static const Failure failures[] = {
  { "refused-key", "openai", "wire/openai-error-401.json", 401, "", SAM_ASK_EXIT_AUTHENTICATION,
    "The API key was refused by %s; check it in Preferences → Model.\n" },
  { "quota", "openai", "wire/openai-error-429-insufficient-quota.json", 429, "",
    SAM_ASK_EXIT_RATE_LIMIT,
    "Your %s account has run out of credit or quota; check your plan and billing details.\n" },
  { "rate-limit", "anthropic", "wire/anthropic-error-429.json", 429, "", SAM_ASK_EXIT_RATE_LIMIT,
    "%s is limiting how many requests you can make; wait a moment and try again.\n" },
  { "context", "openai", "wire/openai-error-400-context-length.json", 400, "", SAM_ASK_EXIT_REQUEST,
    "The conversation is too long for the model’s context window; start a new conversation or "
    "choose a model with a larger context.\n" },
  { "server", "openai", "wire/openai-error-500.json", 500, "", SAM_ASK_EXIT_SERVER,
    "%s had a server error (HTTP 500); try again later.\n" },
  { "model-not-found", "ollama", "wire/ollama-error-404.json", 404, "", SAM_ASK_EXIT_CONFIGURATION,
    "Ollama could not find what was asked for (model 'llama3' not found); check the model and "
    "base URL in Preferences → Model.\n" },
  { "overloaded-mid-stream", "anthropic", "wire/anthropic-error-overloaded.sse", 0, "Hello",
    SAM_ASK_EXIT_SERVER, "%s is overloaded right now; try again in a moment.\n" },
  { "ollama-mid-stream", "ollama", "wire/ollama-stream-error.ndjson", 0, " Yes.Ican",
    SAM_ASK_EXIT_SERVER,
    "Ollama failed during the reply (an error was encountered while running the model); try "
    "again.\n" },
  { "vllm-mid-stream", "openai", "wire/edge/vllm-midstream-error.sse", 0, "{\"",
    SAM_ASK_EXIT_REQUEST, "%s rejected the request: <str(exception)>.\n" },
  { "cut-off", "openai", "wire/edge/sse-multiline-data.sse", 0, "", SAM_ASK_EXIT_NETWORK,
    "The connection to %s ended before the reply was complete; try again.\n" },
  { "length", "openai", "wire/edge/openai-stream-length-eof-no-terminator.sse", 0, "{\"",
    SAM_ASK_EXIT_OK, "" },
};

static void
test_failure (gconstpointer data)
{
  const Failure *failure = data;
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char *base_url = NULL;
  g_autofree char *host = NULL;
  g_autofree char *expected_err = NULL;
  g_autofree char *fixture = NULL;
  Ask              ask;

  if (failure->status)
    {
      g_autoptr (GBytes) body = sam_test_load_fixture (failure->fixture);

      sam_replay_server_queue_response (server, failure->status, NULL, "application/json", body);
    }
  else
    fixture = queue_fixture (server, failure->fixture);

  base_url = g_str_equal (failure->provider, "openai")
                 ? g_strconcat (sam_replay_server_get_url (server), "/v1", NULL)
                 : g_strdup (sam_replay_server_get_url (server));
  host = g_strdup (strstr (base_url, "://") + 3);
  if (strchr (host, '/'))
    *strchr (host, '/') = '\0';

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", failure->provider);
  ask_setenv (&ask, "SAMANTHA_BASE_URL", base_url);
  ask_setenv (&ask, "SAMANTHA_MODEL", "test-model");
  ask_setenv (&ask, "SAMANTHA_API_KEY", ENV_KEY);
  ask_run (&ask, "Hello?");

  expected_err = g_strdup_printf (failure->err, host);
  g_assert_cmpstr (ask.out, ==, failure->out);
  g_assert_cmpstr (ask.err, ==, expected_err);
  g_assert_cmpint (ask.status, ==, failure->exit_status);
  assert_key_not_on_disk (&ask, ENV_KEY);
  ask_clear (&ask);
}

static void
test_configuration_errors (void)
{
  g_autoptr (SamReplayServer) gone = sam_replay_server_new (NULL);
  g_autofree char *gone_url = g_strconcat (sam_replay_server_get_url (gone), "/v1", NULL);
  Ask              ask;

  g_clear_pointer (&gone, sam_replay_server_free);

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "gemini");
  ask_run (&ask, "Hi");
  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_CONFIGURATION);
  g_assert_cmpstr (ask.err, ==,
                   "SAMANTHA_PROVIDER must be “openai”, “anthropic” or “ollama”, not “gemini”.\n");
  ask_clear (&ask);

  /* A cloud service and no key anywhere: said at once, without a request. */
  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "anthropic");
  ask_run (&ask, "Hi");
  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_AUTHENTICATION);
  g_assert_cmpstr (ask.err, ==,
                   "Anthropic needs an API key; add one in Preferences → Model or set "
                   "SAMANTHA_API_KEY.\n");
  ask_clear (&ask);

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "openai");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", gone_url);
  ask_setenv (&ask, "SAMANTHA_MODEL", "m");
  ask_run (&ask, "Hi");
  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_NETWORK);
  g_assert_true (g_str_has_prefix (ask.err, "Could not connect to 127.0.0.1:"));
  g_assert_cmpuint (strlen (ask.out), ==, 0);
  ask_clear (&ask);

  ask_init (&ask);
  ask_run (&ask, "   ");
  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_OTHER);
  g_assert_cmpstr (ask.err, ==, "There is nothing to ask: write the question after --ask.\n");
  ask_clear (&ask);
}

/* Retried after a 529, then answered. */
static void
test_retry (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autoptr (GBytes) overloaded = sam_test_load_fixture ("wire/anthropic-error-529.json");
  g_autofree char *fixture = NULL;
  Ask              ask;

  sam_replay_server_queue_response (server, 529, "retry-after: 2", "application/json", overloaded);
  fixture = queue_fixture (server, "wire/anthropic-stream-basic.sse");

  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "anthropic");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", sam_replay_server_get_url (server));
  ask_setenv (&ask, "SAMANTHA_API_KEY", ENV_KEY);
  ask_run (&ask, "Hi");

  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_OK);
  g_assert_cmpstr (ask.out, ==, "Hello there!");
  g_assert_cmpuint (sam_replay_server_get_n_requests (server), ==, 2);
  ask_clear (&ask);
}

/* Ctrl+C ends the request for real, keeps what arrived, and says so. */
static void
test_interrupt (void)
{
  g_autoptr (SamReplayServer) server = sam_replay_server_new (NULL);
  g_autofree char *base_url = g_strconcat (sam_replay_server_get_url (server), "/v1", NULL);
  const char *piece = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick \"}}]}\n\n";
  Ask         ask;

  sam_replay_server_queue_endless (server, "text/event-stream", piece, 50);
  ask_init (&ask);
  ask_setenv (&ask, "SAMANTHA_PROVIDER", "openai");
  ask_setenv (&ask, "SAMANTHA_BASE_URL", base_url);
  ask_setenv (&ask, "SAMANTHA_MODEL", "m");
  ask.interrupt_on_output = TRUE;
  ask_run (&ask, "Count");

  g_assert_cmpint (ask.status, ==, SAM_ASK_EXIT_CANCELLED);
  g_assert_true (g_str_has_prefix (ask.out, "tick "));
  g_assert_cmpstr (ask.err, ==, "The reply was stopped.\n");
  g_assert_true (sam_replay_server_wait_aborted (server, 1, 3000));
  ask_clear (&ask);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ask/openai-env-key", test_openai_env_key);
  g_test_add_func ("/ask/anthropic-keyring-key", test_anthropic_keyring_key);
  g_test_add_func ("/ask/ollama-first-model", test_ollama_first_model);
  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ask/failure/%s", failures[i].name);

      g_test_add_data_func (path, &failures[i], test_failure);
    }
  g_test_add_func ("/ask/configuration-errors", test_configuration_errors);
  g_test_add_func ("/ask/retry", test_retry);
  g_test_add_func ("/ask/interrupt", test_interrupt);

  return g_test_run ();
}
