/* sam-memory-embed.h — the optional embedding side of memory: facts embedded as they are
 * learned, and recall re-ranked by how close a fact's meaning is to the question.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/sam-provider.h"
#include "sam-memory.h"
#include "store/sam-store.h"

G_BEGIN_DECLS

/* Whether embeddings are on: PROVIDER is not NULL and offers them, and EMBEDDING_MODEL (the
 * `embedding-model` setting) is not empty. Off, nothing here makes a request. */
gboolean sam_memory_embeddings_enabled (SamProvider *provider, const char *embedding_model);

/* Embeds the texts of FACTS (SamFact, already stored, so with ids) in one request and keeps
 * the vectors in the store. Does nothing, successfully, when embeddings are off. */
void     sam_memory_embed_facts_async (SamStore           *store,
                                       SamProvider        *provider,
                                       const char         *embedding_model,
                                       GPtrArray          *facts,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean sam_memory_embed_facts_finish (GAsyncResult *result, GError **error);

/* sam_memory_recall (), re-ranked by embeddings when they are on: the FTS recall gives
 * 3 × LIMIT candidates, the query is embedded, and the facts among them that have an
 * embedding by EMBEDDING_MODEL are put in order, among the places they held, by
 * (1 − w) × their FTS rank + w × cosine similarity (w = 0.5, the rank as 1 − i / n); every
 * other hit keeps its FTS place. When embeddings are off, no candidate has an embedding, or
 * embedding the query fails, the result is the plain FTS one. Only an error of the store
 * fails. A GPtrArray of SamRecallHit, best first. */
void       sam_memory_recall_async (SamStore           *store,
                                    SamProvider        *provider,
                                    const char         *embedding_model,
                                    const char         *query,
                                    guint               limit,
                                    gint64              exclude_conversation,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
GPtrArray *sam_memory_recall_finish (GAsyncResult *result, GError **error);

/* For samantha --recall: sam_memory_recall (), re-ranked when the SAMANTHA_EMBEDDING_MODEL
 * variable (or, without it, the `embedding-model` setting) names a model and the provider
 * Samantha is set up with (the settings, or the SAMANTHA_PROVIDER, _BASE_URL, _MODEL and
 * _API_KEY variables; a key only from the latter) offers embeddings. Off, no provider is
 * looked up and nothing but the store is touched. Waits, iterating the thread-default main
 * context. */
GPtrArray *sam_memory_recall_for_command_line (SamStore   *store,
                                               const char *query,
                                               guint       limit,
                                               GError    **error);

G_END_DECLS
