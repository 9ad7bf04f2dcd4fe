/* test-memory-embed.c — the optional embedding re-rank of recall, against a real embeddings
 * server on 127.0.0.1: off by default, facts embedded and kept, a fact lifted by meaning,
 * FTS order when embedding fails, embeddings forgotten with their facts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "companion/sam-chat.h"
#include "companion/sam-memory-embed.h"
#include "companion/sam-memory.h"
#include "model/sam-openai-provider.h"
#include "sam-test-util.h"
#include "store/sam-embedding-store.h"
#include "store/sam-memory-store.h"

#define MODEL "test-embed"

/* An OpenAI-compatible /v1/embeddings: a text that contains a key of VECTORS gets that
 * vector, any other text (0, 0, 1). */
typedef struct
{
  SoupServer *server;
  char       *base_url;
  GHashTable *vectors; /* substring → const float[3] */
  guint       n_requests;
  char       *last_body;
  guint       fail_status;
  GPtrArray  *chat_bodies; /* what /v1/chat/completions received */
} EmbedServer;

#define LEARNED "The user plans a hiking weekend in Slovenia"

static const float far_vector[3] = { 0, 0, 1 };

static void
embeddings_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  EmbedServer     *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *answer = NULL;
  JsonArray       *input;

  self->n_requests++;
  g_free (self->last_body);
  self->last_body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (self->fail_status)
    {
      soup_server_message_set_status (msg, self->fail_status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        "{\"error\":{\"message\":\"no\"}}", 25);
      return;
    }
  g_assert_true (json_parser_load_from_data (parser, self->last_body, -1, NULL));
  input =
      json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "input");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (input); i++)
    {
      const char    *text = json_array_get_string_element (input, i);
      const float   *vector = far_vector;
      GHashTableIter iter;
      gpointer       key, value;

      g_hash_table_iter_init (&iter, self->vectors);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (strstr (text, key))
          vector = value;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, i);
      json_builder_set_member_name (builder, "embedding");
      json_builder_begin_array (builder);
      for (guint d = 0; d < 3; d++)
        json_builder_add_double_value (builder, vector[d]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  answer = json_to_string (root, FALSE);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer,
                                    strlen (answer));
}

/* An OpenAI-compatible /v1/chat/completions, streamed: the fact extractor gets one new
 * fact, a turn a short reply. */
static void
chat_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  EmbedServer     *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *delta = NULL;
  g_autofree char *answer = NULL;
  gboolean         extractor = strstr (text, "{\\\"facts\\\":[]}") != NULL;

  g_ptr_array_add (self->chat_bodies, text);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "delta");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, extractor ? "{\"facts\":[{\"text\":\"" LEARNED
                                                      "\",\"kind\":\"plan\"}]}"
                                                    : "Sure, the Dolomites it is.");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  delta = json_to_string (root, FALSE);
  answer = g_strdup_printf ("data: %s\n\n"
                            "data: {\"choices\":[{\"index\":0,\"delta\":{},"
                            "\"finish_reason\":\"stop\"}]}\n\n"
                            "data: [DONE]\n\n",
                            delta);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_COPY, answer,
                                    strlen (answer));
}

static EmbedServer *
embed_server_new (void)
{
  EmbedServer *self = g_new0 (EmbedServer, 1);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  self->server = soup_server_new (NULL, NULL);
  self->vectors = g_hash_table_new (g_str_hash, g_str_equal);
  self->chat_bodies = g_ptr_array_new_with_free_func (g_free);
  soup_server_add_handler (self->server, "/v1/embeddings", embeddings_cb, self, NULL);
  soup_server_add_handler (self->server, "/v1/chat/completions", chat_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (self->server);
  {
    g_autofree char *uri = g_uri_to_string (uris->data);

    self->base_url = g_strconcat (uri, uri[strlen (uri) - 1] == '/' ? "v1" : "/v1", NULL);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return self;
}

static void
embed_server_free (EmbedServer *self)
{
  g_clear_object (&self->server);
  g_hash_table_unref (self->vectors);
  g_free (self->base_url);
  g_free (self->last_body);
  g_ptr_array_unref (self->chat_bodies);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbedServer, embed_server_free)

static SamStore *
new_store (void)
{
  static guint     counter;
  g_autofree char *path =
      g_strdup_printf ("%s/embed-%u.db", sam_test_init_environment (), ++counter);
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  return store;
}

static gint64
add_fact (SamStore *store, const char *text)
{
  g_autoptr (SamFact) fact = sam_fact_new (text, "fact");
  g_autoptr (GError) error = NULL;

  g_assert_true (sam_store_add_fact (store, fact, &error));
  g_assert_no_error (error);
  return fact->id;
}

static void
result_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static GPtrArray *
recall (SamStore *store, SamProvider *provider, const char *model, const char *query, guint limit)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *hits;

  sam_memory_recall_async (store, provider, model, query, limit, 0, NULL, result_cb, &result);
  hits = sam_memory_recall_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (hits);
  return hits;
}

static void
embed_facts (SamStore *store, SamProvider *provider, const char *model, GPtrArray *facts)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  sam_memory_embed_facts_async (store, provider, model, facts, NULL, result_cb, &result);
  g_assert_true (sam_memory_embed_facts_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

static guint
index_of (GPtrArray *hits, SamMemorySource source, gint64 id)
{
  for (guint i = 0; i < hits->len; i++)
    {
      SamRecallHit *hit = g_ptr_array_index (hits, i);

      if (hit->source == source && hit->id == id)
        return i;
    }
  return G_MAXUINT;
}

static gint64
count_embeddings (SamStore *store)
{
  g_autoptr (GError) error = NULL;
  gint64 n = sam_store_count_fact_embeddings (store, &error);

  g_assert_no_error (error);
  return n;
}

typedef struct
{
  EmbedServer *server;
  SamStore    *store;
  SamProvider *provider;
  gint64       first;  /* the fact FTS ranks first for QUERY */
  gint64       second; /* and the one it ranks after it */
  gint64       chunk;
  GPtrArray   *facts; /* SamFact, as stored */
} Fixture;

#define QUERY "hiking weekend"

static const char *const fact_texts[] = {
  "The user goes hiking every weekend with a hiking club near Graz",
  "The user wants a quiet weekend of hiking in the Dolomites",
};
static const float near_vector[3] = { 1, 0.1f, 0 };
static const float query_vector[3] = { 1, 0, 0 };

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) fts = NULL;
  g_autoptr (GError) error = NULL;
  gint64 ids[2];

  fixture->server = embed_server_new ();
  fixture->store = new_store ();
  fixture->provider = sam_openai_provider_new (fixture->server->base_url, "test-key", "chat");
  fixture->facts = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
  for (guint i = 0; i < G_N_ELEMENTS (fact_texts); i++)
    {
      ids[i] = add_fact (fixture->store, fact_texts[i]);
      g_ptr_array_add (fixture->facts, sam_store_get_fact (fixture->store, ids[i], &error));
      g_assert_no_error (error);
    }
  fixture->chunk = sam_store_add_chunk (fixture->store, "/tmp/trails.txt", 0,
                                        "Weekend hiking trails", -1, &error);
  g_assert_no_error (error);

  /* Which fact words alone put first. */
  fts = sam_memory_recall (fixture->store, QUERY, 10, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fts->len, ==, 3);
  g_assert_cmpuint (index_of (fts, SAM_MEMORY_SOURCE_FACT, ids[0]), !=, G_MAXUINT);
  g_assert_cmpuint (index_of (fts, SAM_MEMORY_SOURCE_FACT, ids[1]), !=, G_MAXUINT);
  if (index_of (fts, SAM_MEMORY_SOURCE_FACT, ids[0]) <
      index_of (fts, SAM_MEMORY_SOURCE_FACT, ids[1]))
    fixture->first = ids[0], fixture->second = ids[1];
  else
    fixture->first = ids[1], fixture->second = ids[0];

  /* By meaning, the second is the one close to the question. */
  g_hash_table_insert (fixture->server->vectors, (gpointer) QUERY, (gpointer) query_vector);
  {
    SamFact *second = g_ptr_array_index (fixture->facts, fixture->second == ids[0] ? 0 : 1);

    g_hash_table_insert (fixture->server->vectors, second->text, (gpointer) near_vector);
  }
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_clear_pointer (&fixture->facts, g_ptr_array_unref);
  g_clear_object (&fixture->provider);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->server, embed_server_free);
}

/* No embedding model: no request, nothing stored, recall is the FTS recall. */
static void
test_off_by_default (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) fts = sam_memory_recall (fixture->store, QUERY, 10, 0, &error);
  g_autoptr (GPtrArray) hits = NULL;

  g_assert_no_error (error);
  g_assert_true (sam_provider_can_embed (fixture->provider));
  g_assert_false (sam_memory_embeddings_enabled (fixture->provider, ""));
  g_assert_false (sam_memory_embeddings_enabled (fixture->provider, NULL));
  g_assert_false (sam_memory_embeddings_enabled (NULL, MODEL));
  g_assert_true (sam_memory_embeddings_enabled (fixture->provider, MODEL));

  embed_facts (fixture->store, fixture->provider, "", fixture->facts);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 0);
  hits = recall (fixture->store, fixture->provider, "", QUERY, 10);
  g_assert_cmpuint (fixture->server->n_requests, ==, 0);

  g_assert_cmpuint (hits->len, ==, fts->len);
  for (guint i = 0; i < hits->len; i++)
    {
      SamRecallHit *a = g_ptr_array_index (hits, i);
      SamRecallHit *b = g_ptr_array_index (fts, i);

      g_assert_cmpint (a->source, ==, b->source);
      g_assert_cmpint (a->id, ==, b->id);
    }

  /* On, but no candidate has an embedding yet: still no request. */
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = recall (fixture->store, fixture->provider, MODEL, QUERY, 10);
  g_assert_cmpuint (fixture->server->n_requests, ==, 0);
  g_assert_cmpint (index_of (hits, SAM_MEMORY_SOURCE_FACT, fixture->first), <,
                   index_of (hits, SAM_MEMORY_SOURCE_FACT, fixture->second));
}

/* The facts are embedded in one request and kept; the fact close in meaning is lifted above
 * the one words put first, and the chunk keeps its place. */
static void
test_rerank (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) fts = sam_memory_recall (fixture->store, QUERY, 10, 0, &error);
  g_autoptr (GPtrArray) hits = NULL;
  g_autoptr (GPtrArray) top = NULL;
  g_autoptr (GArray) stored = NULL;
  g_autoptr (JsonNode) sent = NULL;
  JsonArray *input;

  g_assert_no_error (error);
  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  g_assert_cmpuint (fixture->server->n_requests, ==, 1);
  sent = json_from_string (fixture->server->last_body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (sent), "model"), ==, MODEL);
  input = json_object_get_array_member (json_node_get_object (sent), "input");
  g_assert_cmpuint (json_array_get_length (input), ==, 2);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 2);
  stored = sam_store_get_fact_embedding (fixture->store, fixture->second, MODEL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (stored->data, stored->len * sizeof (float), near_vector, sizeof near_vector);
  g_assert_null (sam_store_get_fact_embedding (fixture->store, fixture->second, "other", &error));
  g_assert_no_error (error);

  hits = recall (fixture->store, fixture->provider, MODEL, QUERY, 10);
  g_assert_cmpuint (fixture->server->n_requests, ==, 2);
  g_assert_true (strstr (fixture->server->last_body, QUERY) != NULL);
  g_assert_cmpuint (hits->len, ==, 3);
  g_assert_cmpint (index_of (hits, SAM_MEMORY_SOURCE_FACT, fixture->second), <,
                   index_of (hits, SAM_MEMORY_SOURCE_FACT, fixture->first));
  g_assert_cmpint (index_of (hits, SAM_MEMORY_SOURCE_CHUNK, fixture->chunk), ==,
                   index_of (fts, SAM_MEMORY_SOURCE_CHUNK, fixture->chunk));

  /* The limit holds after re-ranking, and the lifted fact is within it. */
  top = recall (fixture->store, fixture->provider, MODEL, QUERY, 1);
  g_assert_cmpuint (top->len, ==, 1);
  if (index_of (fts, SAM_MEMORY_SOURCE_CHUNK, fixture->chunk) != 0)
    g_assert_cmpint (((SamRecallHit *) g_ptr_array_index (top, 0))->id, ==, fixture->second);
}

/* The server fails: recall is the FTS recall, without an error. */
static void
test_failure_falls_back (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) fts = sam_memory_recall (fixture->store, QUERY, 10, 0, &error);
  g_autoptr (GPtrArray) hits = NULL;

  g_assert_no_error (error);
  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  fixture->server->fail_status = 400;
  hits = recall (fixture->store, fixture->provider, MODEL, QUERY, 10);
  g_assert_cmpuint (fixture->server->n_requests, ==, 2);
  g_assert_cmpuint (hits->len, ==, fts->len);
  for (guint i = 0; i < hits->len; i++)
    {
      SamRecallHit *a = g_ptr_array_index (hits, i);
      SamRecallHit *b = g_ptr_array_index (fts, i);

      g_assert_cmpint (a->source, ==, b->source);
      g_assert_cmpint (a->id, ==, b->id);
    }

  /* Embedding new facts fails with an error the caller logs; nothing is kept. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
    gint64 id = add_fact (fixture->store, "The user collects maps");

    g_ptr_array_add (more, sam_store_get_fact (fixture->store, id, NULL));
    sam_memory_embed_facts_async (fixture->store, fixture->provider, MODEL, more, NULL, result_cb,
                                  &result);
    g_assert_false (sam_memory_embed_facts_finish (wait_for (&result), &error));
    g_assert_nonnull (error);
    g_assert_cmpint (count_embeddings (fixture->store), ==, 2);
  }
}

/* Forgetting a fact forgets its embedding; a new text drops the stale one; forgetting all
 * leaves none. */
static void
test_forget (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 2);

  g_assert_true (sam_store_forget_fact (fixture->store, fixture->second, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 1);
  g_assert_null (sam_store_get_fact_embedding (fixture->store, fixture->second, MODEL, &error));
  g_assert_no_error (error);

  g_assert_true (
      sam_store_set_fact_text (fixture->store, fixture->first, "Hiking, changed", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 0);

  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 1);
  g_assert_true (sam_store_forget_all_memories (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 0);
}

static void
memory_updated_cb (SamChat *chat, gboolean *learned)
{
  *learned = TRUE;
}

static const char *
fact_text (Fixture *fixture, gint64 id)
{
  for (guint i = 0; i < fixture->facts->len; i++)
    {
      SamFact *fact = g_ptr_array_index (fixture->facts, i);

      if (fact->id == id)
        return fact->text;
    }
  g_assert_not_reached ();
}

static void
reply_finished_cb (SamChat *chat, SamMessage *reply, GError *error, gboolean *finished)
{
  g_assert_no_error (error);
  *finished = TRUE;
}

/* A turn through SamChat, with the `embedding-model` setting MODEL: the request the turn sent,
 * after learning from it is done. */
static char *
chat_turn (Fixture *fixture, const char *model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr (GSettings) settings = g_settings_new_with_backend (APP_ID, backend);
  g_autoptr (SamConversation) conversation =
      sam_store_create_conversation (fixture->store, "Plans", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_autoptr (SamChat) chat = NULL;
  gboolean finished = FALSE;
  gboolean learned = FALSE;

  g_assert_no_error (error);
  {
    g_autofree char *setting = g_settings_get_string (settings, "embedding-model");

    g_assert_cmpstr (setting, ==, "");
  }
  if (model)
    g_settings_set_string (settings, "embedding-model", model);
  chat = sam_chat_new (fixture->store, conversation, &error);
  g_assert_no_error (error);
  sam_chat_set_provider (chat, fixture->provider);
  sam_chat_set_settings (chat, settings);
  sam_chat_set_learn_delay (chat, 1);
  g_signal_connect (chat, "reply-finished", G_CALLBACK (reply_finished_cb), &finished);
  g_signal_connect (chat, "memory-updated", G_CALLBACK (memory_updated_cb), &learned);
  g_assert_true (sam_chat_send (chat, QUERY, &error));
  g_assert_no_error (error);
  while (!finished || !learned)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (fixture->server->chat_bodies->len, ==, 2);
  return g_strdup (g_ptr_array_index (fixture->server->chat_bodies, 0));
}

/* Off (the default setting): a turn and its learning make no embedding request. */
static void
test_chat_off (Fixture *fixture, gconstpointer data)
{
  g_autofree char *request = NULL;

  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  g_assert_cmpuint (fixture->server->n_requests, ==, 1);

  request = chat_turn (fixture, NULL);
  g_assert_cmpuint (fixture->server->n_requests, ==, 1);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 2);
  /* Words alone: the first stays first. */
  g_assert_nonnull (strstr (request, fact_text (fixture, fixture->first)));
  g_assert_nonnull (strstr (request, fact_text (fixture, fixture->second)));
  g_assert_true (strstr (request, fact_text (fixture, fixture->first)) <
                 strstr (request, fact_text (fixture, fixture->second)));
}

/* On: the turn's memories are ordered by meaning too, and what the turn taught is embedded. */
static void
test_chat_on (Fixture *fixture, gconstpointer data)
{
  g_autofree char *request = NULL;
  g_autoptr (GPtrArray) learned = NULL;
  g_autoptr (GArray) vector = NULL;
  g_autoptr (GError) error = NULL;

  embed_facts (fixture->store, fixture->provider, MODEL, fixture->facts);
  request = chat_turn (fixture, MODEL);
  /* The facts, the question, then what was learned. */
  g_assert_cmpuint (fixture->server->n_requests, ==, 3);
  g_assert_nonnull (strstr (fixture->server->last_body, LEARNED));

  g_assert_nonnull (strstr (request, fact_text (fixture, fixture->first)));
  g_assert_nonnull (strstr (request, fact_text (fixture, fixture->second)));
  g_assert_true (strstr (request, fact_text (fixture, fixture->second)) <
                 strstr (request, fact_text (fixture, fixture->first)));

  learned = sam_store_list_facts (fixture->store, SAM_FACT_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 3);
  for (guint i = 0; i < learned->len; i++)
    {
      SamFact *fact = g_ptr_array_index (learned, i);

      if (g_str_equal (fact->text, LEARNED))
        vector = sam_store_get_fact_embedding (fixture->store, fact->id, MODEL, &error);
    }
  g_assert_no_error (error);
  g_assert_nonnull (vector);
  g_assert_cmpuint (vector->len, ==, 3);
}

/* Facts learned before embeddings were on, or from files, are embedded a batch at a time
 * after the turns that follow: the newest first, only those recall may use. */
static void
test_chat_backfill (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamFact) pending = sam_fact_new ("The user may be moving to Linz", "fact");
  g_autoptr (GArray) vector = NULL;
  g_autofree char *first_request = NULL;
  g_autofree char *second_request = NULL;

  pending->status = SAM_FACT_STATUS_PENDING_REVIEW;
  g_assert_true (sam_store_add_fact (fixture->store, pending, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 0);

  first_request = chat_turn (fixture, MODEL);
  /* The two facts from before and the one just learned; not the one waiting for review. */
  g_assert_cmpint (count_embeddings (fixture->store), ==, 3);
  for (guint i = 0; i < fixture->facts->len; i++)
    {
      SamFact *fact = g_ptr_array_index (fixture->facts, i);

      g_clear_pointer (&vector, g_array_unref);
      vector = sam_store_get_fact_embedding (fixture->store, fact->id, MODEL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (vector);
    }
  g_clear_pointer (&vector, g_array_unref);
  vector = sam_store_get_fact_embedding (fixture->store, pending->id, MODEL, &error);
  g_assert_no_error (error);
  g_assert_null (vector);

  /* Many at once: one request carries a batch, the rest wait for the next turns. */
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *text = g_strdup_printf ("The user's cousin number %u lives in Vienna", i);

      add_fact (fixture->store, text);
    }
  g_ptr_array_set_size (fixture->server->chat_bodies, 0);
  second_request = chat_turn (fixture, MODEL);
  g_assert_cmpint (count_embeddings (fixture->store), ==, 3 + 32);
  g_assert_nonnull (strstr (fixture->server->last_body, "cousin number 39 "));
  g_assert_null (strstr (fixture->server->last_body, "cousin number 0 "));
}

static void
communicate_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* samantha --recall QUERY against the default store, with SAMANTHA_EMBEDDING_MODEL set to
 * MODEL (unset when NULL): the text of the first fact it prints. */
static char *
command_line_first_fact (EmbedServer *server, const char *model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;

  g_subprocess_launcher_setenv (launcher, "SAMANTHA_PROVIDER", "openai", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_BASE_URL", server->base_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_MODEL", "chat", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_API_KEY", "test-key", TRUE);
  if (model)
    g_subprocess_launcher_setenv (launcher, "SAMANTHA_EMBEDDING_MODEL", model, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "SAMANTHA_EMBEDDING_MODEL");
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SAMANTHA_EXE"), "--recall",
                                         QUERY, NULL);
  g_assert_no_error (error);
  /* The server answers from this process's main loop while the child waits. */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &result);
  g_assert_true (
      g_subprocess_communicate_utf8_finish (process, wait_for (&result), &out, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_subprocess_wait_check_async (process, NULL, communicate_cb, &result);
  g_assert_true (g_subprocess_wait_check_finish (process, wait_for (&result), &error));
  g_assert_no_error (error);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *object;

      if (lines[i][0] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      object = json_node_get_object (node);
      if (g_str_equal (json_object_get_string_member (object, "kind"), "fact"))
        return g_strdup (json_object_get_string_member (object, "text"));
    }
  g_assert_not_reached ();
}

/* samantha --recall is FTS only unless SAMANTHA_EMBEDDING_MODEL (or the setting) is set. */
static void
test_command_line (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = sam_store_new (&error);
  g_autoptr (GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
  g_autofree char *plain = NULL;
  g_autofree char *reranked = NULL;

  g_assert_no_error (error);
  g_assert_true (sam_store_forget_all_memories (store, &error));
  g_assert_no_error (error);
  /* The same facts, in the same order, as in the fixture's store. */
  for (guint i = 0; i < G_N_ELEMENTS (fact_texts); i++)
    g_ptr_array_add (facts, sam_store_get_fact (store, add_fact (store, fact_texts[i]), NULL));
  embed_facts (store, fixture->provider, MODEL, facts);
  g_assert_cmpuint (fixture->server->n_requests, ==, 1);

  plain = command_line_first_fact (fixture->server, NULL);
  g_assert_cmpuint (fixture->server->n_requests, ==, 1);
  g_assert_cmpstr (plain, ==, fact_text (fixture, fixture->first));

  reranked = command_line_first_fact (fixture->server, MODEL);
  g_assert_cmpuint (fixture->server->n_requests, ==, 2);
  g_assert_cmpstr (reranked, ==, fact_text (fixture, fixture->second));
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/memory-embed/off-by-default", Fixture, NULL, fixture_set_up, test_off_by_default,
              fixture_tear_down);
  g_test_add ("/memory-embed/rerank", Fixture, NULL, fixture_set_up, test_rerank,
              fixture_tear_down);
  g_test_add ("/memory-embed/failure-falls-back", Fixture, NULL, fixture_set_up,
              test_failure_falls_back, fixture_tear_down);
  g_test_add ("/memory-embed/forget", Fixture, NULL, fixture_set_up, test_forget,
              fixture_tear_down);
  g_test_add ("/memory-embed/chat-off", Fixture, NULL, fixture_set_up, test_chat_off,
              fixture_tear_down);
  g_test_add ("/memory-embed/chat-on", Fixture, NULL, fixture_set_up, test_chat_on,
              fixture_tear_down);
  g_test_add ("/memory-embed/chat-backfill", Fixture, NULL, fixture_set_up, test_chat_backfill,
              fixture_tear_down);
  g_test_add ("/memory-embed/command-line", Fixture, NULL, fixture_set_up, test_command_line,
              fixture_tear_down);

  return g_test_run ();
}
