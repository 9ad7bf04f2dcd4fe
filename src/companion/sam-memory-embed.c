/* sam-memory-embed.c — the optional embedding side of memory: facts embedded as they are
 * learned, and recall re-ranked by how close a fact's meaning is to the question.
 *
 * Words decide what is recalled (FTS5 over facts, messages and archive chunks, with recency
 * and importance, in sam-memory.c); embeddings only re-order the facts among the candidates,
 * and only when the provider offers them and an embedding model is set. Any failure here
 * leaves recall as it would have been without embeddings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include "model/sam-ollama-provider.h"
#include "model/sam-openai-provider.h"
#include "model/sam-provider-config.h"
#include "sam-memory-embed.h"
#include "store/sam-embedding-store.h"
#include "store/sam-memory-store.h"

/* How many FTS candidates per hit asked for are re-ranked. */
#define CANDIDATE_FACTOR 3
/* The weight of cosine similarity against the FTS rank, both within 0 … 1. */
#define EMBED_WEIGHT 0.5

gboolean
sam_memory_embeddings_enabled (SamProvider *provider, const char *embedding_model)
{
  return provider != NULL && embedding_model != NULL && embedding_model[0] != '\0' &&
         sam_provider_can_embed (provider);
}

/* The providers take their embedding model as a setting of their own. */
static void
use_embedding_model (SamProvider *provider, const char *model)
{
  if (SAM_IS_OPENAI_PROVIDER (provider))
    sam_openai_provider_set_embedding_model (SAM_OPENAI_PROVIDER (provider), model);
  else if (SAM_IS_OLLAMA_PROVIDER (provider))
    sam_ollama_provider_set_embedding_model (SAM_OLLAMA_PROVIDER (provider), model);
}

/* Embedding facts */

typedef struct
{
  SamStore *store;
  char     *model;
  GArray   *ids; /* gint64, parallel to the texts sent */
} EmbedFacts;

static void
embed_facts_free (EmbedFacts *data)
{
  g_clear_object (&data->store);
  g_free (data->model);
  g_clear_pointer (&data->ids, g_array_unref);
  g_free (data);
}

static void
embed_facts_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  EmbedFacts *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) vectors = sam_provider_embed_finish (SAM_PROVIDER (object), result, &error);

  if (vectors == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < vectors->len && i < data->ids->len; i++)
    {
      GArray *vector = g_ptr_array_index (vectors, i);

      if (vector->len > 0 &&
          !sam_store_set_fact_embedding (data->store, g_array_index (data->ids, gint64, i),
                                         data->model, vector, &error))
        {
          /* The fact may have been forgotten while its embedding was on the way. */
          g_debug ("Could not keep the embedding of a memory: %s", error->message);
          g_clear_error (&error);
        }
    }
  g_task_return_boolean (task, TRUE);
}

void
sam_memory_embed_facts_async (SamStore           *store,
                              SamProvider        *provider,
                              const char         *embedding_model,
                              GPtrArray          *facts,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GPtrArray) texts = NULL;
  EmbedFacts *data;

  g_return_if_fail (SAM_IS_STORE (store));
  g_return_if_fail (!provider || SAM_IS_PROVIDER (provider));
  g_return_if_fail (facts != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_memory_embed_facts_async);

  data = g_new0 (EmbedFacts, 1);
  data->store = g_object_ref (store);
  data->model = g_strdup (embedding_model);
  data->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_set_task_data (task, data, (GDestroyNotify) embed_facts_free);

  texts = g_ptr_array_new ();
  for (guint i = 0; i < facts->len; i++)
    {
      SamFact *fact = g_ptr_array_index (facts, i);

      if (fact->id > 0 && fact->text && fact->text[0])
        {
          g_array_append_val (data->ids, fact->id);
          g_ptr_array_add (texts, fact->text);
        }
    }
  g_ptr_array_add (texts, NULL);

  if (!sam_memory_embeddings_enabled (provider, embedding_model) || data->ids->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  use_embedding_model (provider, embedding_model);
  sam_provider_embed_async (provider, (const char *const *) texts->pdata, cancellable,
                            embed_facts_cb, g_steal_pointer (&task));
}

gboolean
sam_memory_embed_facts_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Re-ranked recall */

typedef struct
{
  GPtrArray *hits;    /* the FTS candidates, best first */
  GPtrArray *vectors; /* parallel to hits: the fact's embedding, or NULL */
  guint      limit;
} Rerank;

static void
vector_free (gpointer vector)
{
  if (vector)
    g_array_unref (vector);
}

static void
rerank_free (Rerank *data)
{
  g_clear_pointer (&data->hits, g_ptr_array_unref);
  g_clear_pointer (&data->vectors, g_ptr_array_unref);
  g_free (data);
}

static void
return_hits (GTask *task, GPtrArray *hits, guint limit)
{
  if (hits->len > limit)
    g_ptr_array_set_size (hits, limit);
  g_task_return_pointer (task, g_ptr_array_ref (hits), (GDestroyNotify) g_ptr_array_unref);
}

static double
cosine (GArray *a, GArray *b)
{
  double dot = 0, norm_a = 0, norm_b = 0;

  if (a->len != b->len || a->len == 0)
    return -2;
  for (guint i = 0; i < a->len; i++)
    {
      double x = g_array_index (a, float, i);
      double y = g_array_index (b, float, i);

      dot += x * y;
      norm_a += x * x;
      norm_b += y * y;
    }
  if (norm_a <= 0 || norm_b <= 0)
    return -2;
  return dot / (sqrt (norm_a) * sqrt (norm_b));
}

typedef struct
{
  SamRecallHit *hit;
  double        blended;
  guint         position;
} Scored;

static int
compare_scored (gconstpointer a, gconstpointer b)
{
  const Scored *x = a;
  const Scored *y = b;

  if (x->blended != y->blended)
    return x->blended > y->blended ? -1 : 1;
  return x->position < y->position ? -1 : x->position > y->position;
}

static void
recall_embed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Rerank *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) vectors = sam_provider_embed_finish (SAM_PROVIDER (object), result, &error);
  g_autoptr (GArray) scored = g_array_new (FALSE, FALSE, sizeof (Scored));
  g_autoptr (GArray) places = g_array_new (FALSE, FALSE, sizeof (guint));
  GArray *query;
  guint   n = data->hits->len;

  if (vectors == NULL || vectors->len != 1)
    {
      g_debug ("Recall without embeddings: %s",
               error ? error->message : "the answer had no embedding for the question");
      return_hits (task, data->hits, data->limit);
      return;
    }
  query = g_ptr_array_index (vectors, 0);

  for (guint i = 0; i < n; i++)
    {
      GArray *vector = g_ptr_array_index (data->vectors, i);
      double  similarity;
      Scored  entry;

      if (vector == NULL || (similarity = cosine (query, vector)) < -1.5)
        continue;
      entry.hit = g_ptr_array_index (data->hits, i);
      entry.position = i;
      entry.blended =
          (1 - EMBED_WEIGHT) * (1.0 - (double) i / n) + EMBED_WEIGHT * MAX (similarity, 0.0);
      g_array_append_val (scored, entry);
      g_array_append_val (places, i);
    }

  /* The facts with embeddings, best blended first, go back into the places they held. */
  g_array_sort (scored, compare_scored);
  for (guint k = 0; k < scored->len; k++)
    data->hits->pdata[g_array_index (places, guint, k)] = g_array_index (scored, Scored, k).hit;

  return_hits (task, data->hits, data->limit);
}

void
sam_memory_recall_async (SamStore           *store,
                         SamProvider        *provider,
                         const char         *embedding_model,
                         const char         *query,
                         guint               limit,
                         gint64              exclude_conversation,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  gboolean    enabled;
  gboolean    any = FALSE;
  Rerank     *data;
  const char *texts[2] = { query, NULL };

  g_return_if_fail (SAM_IS_STORE (store));
  g_return_if_fail (!provider || SAM_IS_PROVIDER (provider));
  g_return_if_fail (query != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_memory_recall_async);

  if (limit == 0)
    limit = 10;
  enabled = sam_memory_embeddings_enabled (provider, embedding_model);

  data = g_new0 (Rerank, 1);
  data->limit = limit;
  g_task_set_task_data (task, data, (GDestroyNotify) rerank_free);
  if (!(data->hits = sam_memory_recall (store, query, enabled ? CANDIDATE_FACTOR * limit : limit,
                                        exclude_conversation, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!enabled)
    {
      return_hits (task, data->hits, limit);
      return;
    }

  data->vectors = g_ptr_array_new_with_free_func (vector_free);
  for (guint i = 0; i < data->hits->len; i++)
    {
      SamRecallHit *hit = g_ptr_array_index (data->hits, i);
      GArray       *vector = NULL;

      if (hit->source == SAM_MEMORY_SOURCE_FACT &&
          !(vector = sam_store_get_fact_embedding (store, hit->id, embedding_model, &error)) &&
          error)
        {
          g_debug ("Could not read the embedding of a memory: %s", error->message);
          g_clear_error (&error);
        }
      any |= vector != NULL;
      g_ptr_array_add (data->vectors, vector);
    }

  /* Nothing to re-rank: no request. */
  if (!any)
    {
      return_hits (task, data->hits, limit);
      return;
    }

  use_embedding_model (provider, embedding_model);
  sam_provider_embed_async (provider, texts, cancellable, recall_embed_cb, g_steal_pointer (&task));
}

GPtrArray *
sam_memory_recall_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* samantha --recall */

static void
store_result_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return *result;
}

/* The provider and model the command line re-ranks with, looked up once; NULL when off. */
static SamProvider *
command_line_provider (const char **embedding_model)
{
  static gboolean     looked_up;
  static SamProvider *provider;
  static char        *model;

  if (!looked_up)
    {
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr (GSettingsSchema) schema = NULL;
      g_autoptr (GSettings) settings = NULL;
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (SamProviderConfig) config = NULL;
      g_autoptr (GError) error = NULL;
      const char *env = g_getenv ("SAMANTHA_EMBEDDING_MODEL");

      looked_up = TRUE;
      if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
        return NULL;
      settings = g_settings_new_full (schema, NULL, NULL);
      if (env)
        model = g_strdup (env);
      else if (g_settings_schema_has_key (schema, "embedding-model"))
        model = g_settings_get_string (settings, "embedding-model");
      if (model == NULL || model[0] == '\0')
        return NULL;

      sam_provider_config_resolve_async (settings, NULL, store_result_cb, &result);
      if (!(config = sam_provider_config_resolve_finish (wait_for (&result), &error)))
        {
          g_debug ("Recall without embeddings: %s", error->message);
          return NULL;
        }
      provider = sam_provider_config_create (config, config->api_key);
      if (provider && !sam_memory_embeddings_enabled (provider, model))
        g_clear_object (&provider);
    }

  *embedding_model = model;
  return provider;
}

GPtrArray *
sam_memory_recall_for_command_line (SamStore *store, const char *query, guint limit, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  const char  *model = NULL;
  SamProvider *provider;

  g_return_val_if_fail (SAM_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!(provider = command_line_provider (&model)))
    return sam_memory_recall (store, query, limit, 0, error);

  sam_memory_recall_async (store, provider, model, query, limit, 0, NULL, store_result_cb, &result);
  return sam_memory_recall_finish (wait_for (&result), error);
}
