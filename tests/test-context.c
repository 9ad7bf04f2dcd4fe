/* test-context.c — what a turn sends the model: the pinned core blocks in the system prompt,
 * older turns replaced by the rolling summary once the conversation outgrows its budget, and
 * a temporary conversation that remembers and learns nothing. Checked in the request bodies a
 * real HTTP server on 127.0.0.1 received.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "companion/sam-chat.h"
#include "model/sam-openai-provider.h"
#include "sam-replay-server.h"
#include "sam-test-util.h"
#include "store/sam-memory-store.h"

typedef struct
{
  SamStore        *store;
  SamReplayServer *server;
  SamProvider     *provider;
  gboolean         finished;
  gboolean         memory_updated;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  static guint counter;
  g_autoptr (GError) error = NULL;
  g_autofree char *path =
      g_strdup_printf ("%s/context-%u.db", sam_test_init_environment (), ++counter);

  f->store = sam_store_new_for_path (path, &error);
  g_assert_no_error (error);
  f->server = sam_replay_server_new (NULL);
  f->provider =
      sam_openai_provider_new (sam_replay_server_get_url (f->server), "sk-test", "gpt-test");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->provider);
  g_clear_pointer (&f->server, sam_replay_server_free);
  g_clear_object (&f->store);
}

static void
queue (Fixture *f, const char *fixture)
{
  g_autoptr (GBytes) body = sam_test_load_fixture (fixture);

  sam_replay_server_queue_stream (f->server, "text/event-stream", body, SAM_REPLAY_WHOLE, 0);
}

static void
reply_finished_cb (SamChat *chat, SamMessage *reply, const GError *error, gpointer data)
{
  Fixture *f = data;

  g_assert_null (error);
  f->finished = TRUE;
}

static void
memory_updated_cb (SamChat *chat, gpointer data)
{
  ((Fixture *) data)->memory_updated = TRUE;
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *FLAG, or for TIMEOUT_MS; whether FLAG was set. */
static gboolean
wait_for (gboolean *flag, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint    id = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *flag;
}

static SamChat *
new_chat (Fixture *f, SamConversationKind kind, guint learn_delay_ms, guint history_tokens)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation =
      sam_store_create_conversation (f->store, "", kind, &error);
  SamChat *chat;

  g_assert_no_error (error);
  chat = sam_chat_new (f->store, conversation, &error);
  g_assert_no_error (error);
  sam_chat_set_provider (chat, f->provider);
  sam_chat_set_learn_delay (chat, learn_delay_ms);
  sam_chat_set_history_tokens (chat, history_tokens);
  g_signal_connect (chat, "reply-finished", G_CALLBACK (reply_finished_cb), f);
  g_signal_connect (chat, "memory-updated", G_CALLBACK (memory_updated_cb), f);
  return chat;
}

static void
send (Fixture *f, SamChat *chat, const char *text)
{
  g_autoptr (GError) error = NULL;

  f->finished = FALSE;
  f->memory_updated = FALSE;
  queue (f, "memory/reply-short.sse");
  g_assert_true (sam_chat_send (chat, text, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (&f->finished, 10000));
}

/* Request INDEX as the server received it: "system" is the system prompt, "messages" the
 * rest, each "role: content" on its own line. */
static JsonObject *
sent_request (Fixture *f, guint index, JsonParser *parser)
{
  const SamReplayRequest *request = sam_replay_server_get_request (f->server, index);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (request);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (request->body, NULL),
                                             g_bytes_get_size (request->body), &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static char *
system_prompt_of (JsonObject *request)
{
  JsonArray  *messages = json_object_get_array_member (request, "messages");
  JsonObject *first = json_array_get_object_element (messages, 0);

  g_assert_cmpstr (json_object_get_string_member (first, "role"), ==, "system");
  return g_strdup (json_object_get_string_member (first, "content"));
}

/* Everything after the system prompt, one "role: content" line each. */
static char *
history_of (JsonObject *request)
{
  JsonArray *messages = json_object_get_array_member (request, "messages");
  GString   *text = g_string_new (NULL);

  for (guint i = 1; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      g_string_append_printf (text, "%s: %s\n", json_object_get_string_member (message, "role"),
                              json_object_get_string_member (message, "content"));
    }
  return g_string_free (text, FALSE);
}

/* The pinned core blocks go into every system prompt, small; a temporary conversation gets
 * the companion's persona and style but nothing about the user. */
static void
test_core_blocks (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (SamChat) chat = NULL;
  g_autoptr (SamChat) temporary = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *temporary_prompt = NULL;
  g_autofree char *long_block = g_strnfill (5000, 'x');

  g_assert_true (sam_store_set_core_block (f->store, "persona",
                                           "You are Sam, curious and fond of puns.", &error));
  g_assert_true (
      sam_store_set_core_block (f->store, "user", "Maria, a nurse in Lyon, two cats.", &error));
  g_assert_true (sam_store_set_core_block (f->store, "style", "Short answers, no lists.", &error));
  g_assert_true (sam_store_set_core_block (f->store, "now", long_block, &error));
  g_assert_no_error (error);

  chat = new_chat (f, SAM_CONVERSATION_KIND_NORMAL, 60000, 0);
  send (f, chat, "Hello there");
  prompt = system_prompt_of (sent_request (f, 0, parser));
  g_assert_nonnull (strstr (prompt, "Core memory"));
  g_assert_nonnull (strstr (prompt, "- Who you are: You are Sam, curious and fond of puns.\n"));
  g_assert_nonnull (strstr (prompt, "- About the user: Maria, a nurse in Lyon, two cats.\n"));
  g_assert_nonnull (strstr (prompt, "- How to talk: Short answers, no lists."));
  /* An empty block is left out, a long one is cut. */
  g_assert_null (strstr (prompt, "Your relationship"));
  g_assert_nonnull (strstr (prompt, "- What is going on now: xxx"));
  g_assert_null (strstr (prompt, long_block));
  g_assert_cmpuint (strlen (prompt), <, 9000);
  /* Recall had nothing: the companion is told to say it does not remember. */
  g_assert_nonnull (strstr (prompt, "say that you do not remember it; never make up a memory"));

  temporary = new_chat (f, SAM_CONVERSATION_KIND_TEMPORARY, 60000, 0);
  send (f, temporary, "Hello again");
  temporary_prompt = system_prompt_of (sent_request (f, 1, parser));
  g_assert_nonnull (strstr (temporary_prompt, "- Who you are: You are Sam"));
  g_assert_nonnull (strstr (temporary_prompt, "- How to talk: Short answers"));
  g_assert_null (strstr (temporary_prompt, "Maria"));
  g_assert_null (strstr (temporary_prompt, "xxx"));
  g_assert_nonnull (strstr (temporary_prompt, "This is a temporary conversation"));
}

/* Each about 45 tokens by the estimate: with a budget of 90 for the history, the second
 * turn no longer fits whole and the first exchange is folded into the summary. */
#define TURN_1                                                                           \
  "First: my tomatoes are finally turning red after that cold summer, and I picked the " \
  "first three this morning. I want to make a sauce with basil from the balcony tonight."
#define TURN_2                                                                            \
  "Second: a storm last night knocked down part of the fence at the back of the garden, " \
  "and my neighbour Lukas said he can help me fix it on Saturday if I buy the posts."
#define TURN_3                                                                           \
  "Third: I bought the posts and the screws today. Do you think we will manage it in a " \
  "single afternoon, or should I ask my brother to come and help us as well?"

/* With a small budget the oldest turns are folded into the summary after a turn, and the
 * next request has the summary at the head of its history instead of them. */
static void
test_summary (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (SamChat) chat = new_chat (f, SAM_CONVERSATION_KIND_NORMAL, 0, 90);
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *history = NULL;
  g_autofree char *summary_request = NULL;
  gint64           through = 0;
  gint64           conversation_id = sam_conversation_get_id (sam_chat_get_conversation (chat));

  /* Turn 1 fits: facts are looked for, nothing is summarised. */
  send (f, chat, TURN_1);
  queue (f, "memory/extract-none.sse");
  g_assert_true (wait_for (&f->memory_updated, 10000));
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 2);
  summary = sam_store_dup_summary (f->store, conversation_id, &through, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (summary, ==, "");
  g_clear_pointer (&summary, g_free);

  /* Turn 2 does not: after the facts, the first exchange is folded into a summary. */
  send (f, chat, TURN_2);
  history = history_of (sent_request (f, 2, parser));
  g_assert_null (strstr (history, TURN_1));
  g_assert_nonnull (strstr (history, TURN_2));
  g_clear_pointer (&history, g_free);
  queue (f, "memory/extract-none.sse");
  queue (f, "memory/summary-garden.sse");
  g_assert_true (wait_for (&f->memory_updated, 10000));
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 5);

  messages = sam_store_get_recent_messages (f->store, sam_chat_get_conversation (chat), 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 4);
  summary = sam_store_dup_summary (f->store, conversation_id, &through, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (summary, "The user talked about their garden"));
  g_assert_cmpint (through, ==, sam_message_get_id (g_ptr_array_index (messages, 1)));

  /* The summary request had the first exchange, as data, and not the second. */
  {
    JsonObject *request = sent_request (f, 4, parser);

    summary_request = history_of (request);
    g_assert_nonnull (strstr (summary_request, "\"summary_so_far\":\"\""));
    g_assert_nonnull (strstr (summary_request, TURN_1));
    g_assert_nonnull (strstr (summary_request, "I hear you. Tell me more."));
    g_assert_null (strstr (summary_request, TURN_2));
  }

  /* Turn 3: the summary heads the history; the first turn is gone from the request. */
  send (f, chat, TURN_3);
  history = history_of (sent_request (f, 5, parser));
  g_test_message ("%s", history);
  g_assert_true (g_str_has_prefix (
      history, "system: Summary of the earlier part of this conversation (its older messages "
               "are not shown):\nThe user talked about their garden"));
  g_assert_null (strstr (history, TURN_1));
  g_assert_nonnull (strstr (history, "user: " TURN_3 "\n"));
  g_assert_true (g_str_has_suffix (history, "user: " TURN_3 "\n"));
}

static guint
count_occurrences (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* Facts are looked for once the user pauses, once per exchange: a reply regenerated before
 * then replaces the first one in what the extractor reads. */
static void
test_learns_after_pause (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamChat) chat = new_chat (f, SAM_CONVERSATION_KIND_NORMAL, 400, 0);
  const SamReplayRequest *request;
  g_autofree char        *body = NULL;

  send (f, chat, TURN_1);
  f->finished = FALSE;
  queue (f, "memory/reply-short.sse");
  g_assert_true (sam_chat_regenerate (chat, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (&f->finished, 10000));
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 2);

  queue (f, "memory/extract-none.sse");
  g_assert_true (wait_for (&f->memory_updated, 10000));
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 3);
  request = sam_replay_server_get_request (f->server, 2);
  body = g_strndup (g_bytes_get_data (request->body, NULL), g_bytes_get_size (request->body));
  g_assert_nonnull (strstr (body, "Answer with JSON only"));
  g_assert_cmpuint (count_occurrences (body, TURN_1), ==, 1);
  g_assert_cmpuint (count_occurrences (body, "I hear you. Tell me more."), ==, 1);
}

/* A temporary conversation is neither learned from nor summarised, whatever its length. */
static void
test_temporary_learns_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (SamChat) chat = new_chat (f, SAM_CONVERSATION_KIND_TEMPORARY, 0, 60);
  g_autoptr (GPtrArray) facts = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *prompt = NULL;
  gboolean         never = FALSE;

  send (f, chat, TURN_1);
  send (f, chat, TURN_2);
  send (f, chat, TURN_3);
  /* Give learning every chance to start; it must not. */
  queue (f, "memory/extract-pottery.sse");
  wait_for (&never, 300);
  g_assert_false (f->memory_updated);

  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 3);
  prompt = system_prompt_of (sent_request (f, 2, parser));
  g_assert_nonnull (strstr (prompt, "This is a temporary conversation"));
  facts = sam_store_list_facts (f->store, SAM_FACT_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (facts->len, ==, 0);
  summary = sam_store_dup_summary (
      f->store, sam_conversation_get_id (sam_chat_get_conversation (chat)), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (summary, ==, "");
}

/* A turn in safety mode is not learned from. */
static void
test_crisis_not_learned (Fixture *f, gconstpointer data)
{
  g_autoptr (SamChat) chat = new_chat (f, SAM_CONVERSATION_KIND_NORMAL, 0, 0);
  gboolean never = FALSE;

  send (f, chat, "I want to kill myself, I can't go on.");
  g_assert_true (sam_chat_get_had_crisis (chat));
  queue (f, "memory/extract-pottery.sse");
  wait_for (&never, 300);
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 1);
  g_assert_false (f->memory_updated);

  /* The next, ordinary turn is. */
  send (f, chat, "Thank you. Tomorrow I start my pottery class, on Tuesdays.");
  queue (f, "memory/extract-pottery.sse");
  g_assert_true (wait_for (&f->memory_updated, 10000));
  g_assert_cmpuint (sam_replay_server_get_n_requests (f->server), ==, 3);
  {
    const SamReplayRequest *request = sam_replay_server_get_request (f->server, 2);
    g_autofree char        *body =
        g_strndup (g_bytes_get_data (request->body, NULL), g_bytes_get_size (request->body));

    g_assert_nonnull (strstr (body, "pottery class"));
    g_assert_null (strstr (body, "kill myself"));
  }
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/context/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("core-blocks", test_core_blocks);
  ADD ("summary", test_summary);
  ADD ("learns-after-pause", test_learns_after_pause);
  ADD ("temporary-learns-nothing", test_temporary_learns_nothing);
  ADD ("crisis-not-learned", test_crisis_not_learned);
#undef ADD

  return g_test_run ();
}
