/* sam-memory-store.c — the memory tables of the store: facts, core blocks, archive chunks.
 *
 * Forgetting is real: the row goes, its FTS5 entries go, the index is rewritten so no old
 * segment keeps the words, SQLite overwrites the freed pages (secure_delete) and the
 * write-ahead log is checkpointed and truncated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sam-memory-store.h"
#include "sam-store-private.h"

static const char *const core_block_labels[] = {
  "persona", "user", "relationship", "now", "style",
};

SamFact *
sam_fact_new (const char *text, const char *kind)
{
  SamFact *fact = g_new0 (SamFact, 1);

  fact->text = g_strdup (text);
  fact->kind = g_strdup (kind ? kind : "fact");
  fact->created = -1;
  fact->valid_from = -1;
  fact->valid_to = -1;
  fact->importance = 0.5;
  fact->status = SAM_FACT_STATUS_APPROVED;
  return fact;
}

SamFact *
sam_fact_copy (const SamFact *fact)
{
  SamFact *copy = g_memdup2 (fact, sizeof *fact);

  copy->text = g_strdup (fact->text);
  copy->kind = g_strdup (fact->kind);
  copy->source_path = g_strdup (fact->source_path);
  return copy;
}

void
sam_fact_free (SamFact *fact)
{
  if (fact == NULL)
    return;
  g_free (fact->text);
  g_free (fact->kind);
  g_free (fact->source_path);
  g_free (fact);
}

static const char *
status_to_string (SamFactStatus status)
{
  return status == SAM_FACT_STATUS_PENDING_REVIEW ? "pending-review" : "approved";
}

static gboolean
step_done (SamStore *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), what);
      return FALSE;
    }
  return TRUE;
}

static void
bind_time (sqlite3_stmt *stmt, int column, gint64 value)
{
  if (value >= 0)
    sqlite3_bind_int64 (stmt, column, value);
  else
    sqlite3_bind_null (stmt, column);
}

static void
bind_id (sqlite3_stmt *stmt, int column, gint64 value)
{
  if (value > 0)
    sqlite3_bind_int64 (stmt, column, value);
  else
    sqlite3_bind_null (stmt, column);
}

static gint64
column_or (sqlite3_stmt *stmt, int column, gint64 fallback)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? fallback
                                                           : sqlite3_column_int64 (stmt, column);
}

static gboolean
not_found (GError **error)
{
  g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND,
               _ ("That memory no longer exists."));
  return FALSE;
}

/* Facts */

gboolean
sam_store_add_fact (SamStore *self, SamFact *fact, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (fact != NULL, FALSE);

  if (fact->text == NULL || *g_strstrip (fact->text) == '\0')
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID,
                   _ ("A memory needs some text."));
      return FALSE;
    }

  if (!(stmt = _sam_store_prepare (
            self,
            "INSERT INTO memory_facts (text, kind, conversation_id, message_id, source_path, "
            "  created, updated, valid_from, valid_to, invalidated_by, importance, sensitive, "
            "  pinned, status) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            error)))
    return FALSE;

  if (fact->created < 0)
    fact->created = now;
  sqlite3_bind_text (stmt, 1, fact->text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, fact->kind ? fact->kind : "fact", -1, SQLITE_STATIC);
  bind_id (stmt, 3, fact->conversation_id);
  bind_id (stmt, 4, fact->message_id);
  if (fact->source_path)
    sqlite3_bind_text (stmt, 5, fact->source_path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, fact->created);
  bind_time (stmt, 7, fact->valid_from);
  bind_time (stmt, 8, fact->valid_to);
  bind_id (stmt, 9, fact->invalidated_by);
  sqlite3_bind_double (stmt, 10, CLAMP (fact->importance, 0.0, 1.0));
  sqlite3_bind_int (stmt, 11, fact->sensitive ? 1 : 0);
  sqlite3_bind_int (stmt, 12, fact->pinned ? 1 : 0);
  sqlite3_bind_text (stmt, 13, status_to_string (fact->status), -1, SQLITE_STATIC);

  if (!step_done (self, stmt, "save a memory", error))
    return FALSE;
  fact->id = sqlite3_last_insert_rowid (_sam_store_get_db (self));
  return TRUE;
}

#define FACT_COLUMNS                                                                          \
  "id, text, kind, conversation_id, message_id, source_path, created, valid_from, valid_to, " \
  "invalidated_by, importance, sensitive, pinned, status"

static SamFact *
fact_from_row (sqlite3_stmt *stmt)
{
  SamFact *fact = sam_fact_new ((const char *) sqlite3_column_text (stmt, 1),
                                (const char *) sqlite3_column_text (stmt, 2));

  fact->id = sqlite3_column_int64 (stmt, 0);
  fact->conversation_id = column_or (stmt, 3, 0);
  fact->message_id = column_or (stmt, 4, 0);
  fact->source_path = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  fact->created = sqlite3_column_int64 (stmt, 6);
  fact->valid_from = column_or (stmt, 7, -1);
  fact->valid_to = column_or (stmt, 8, -1);
  fact->invalidated_by = column_or (stmt, 9, 0);
  fact->importance = sqlite3_column_double (stmt, 10);
  fact->sensitive = sqlite3_column_int (stmt, 11) != 0;
  fact->pinned = sqlite3_column_int (stmt, 12) != 0;
  fact->status = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 13), "pending-review") == 0
                     ? SAM_FACT_STATUS_PENDING_REVIEW
                     : SAM_FACT_STATUS_APPROVED;
  return fact;
}

SamFact *
sam_store_get_fact (SamStore *self, gint64 id, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (!(stmt = _sam_store_prepare (self, "SELECT " FACT_COLUMNS " FROM memory_facts WHERE id = ?1",
                                   error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return fact_from_row (stmt);
  if (rc == SQLITE_DONE)
    not_found (error);
  else
    _sam_store_set_error (error, _sam_store_get_db (self), "read a memory");
  return NULL;
}

/* Pinned first, then the newest. */
GPtrArray *
sam_store_list_facts (SamStore *self, SamFactFilter filter, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT " FACT_COLUMNS " FROM memory_facts "
                                   "WHERE ?1 = 0 "
                                   "   OR (?1 = 1 AND status = 'approved' AND valid_to IS NULL) "
                                   "   OR (?1 = 2 AND status = 'pending-review') "
                                   "ORDER BY pinned DESC, created DESC, id DESC",
                                   error)))
    return NULL;
  sqlite3_bind_int (stmt, 1, filter);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (facts, fact_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "list memories");
      return NULL;
    }
  return g_steal_pointer (&facts);
}

/* Every fact is looked at when none is missing (~45 ms over 100,000 facts), so in a thread. */
static void
list_to_embed_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SamThreadQuery *to_embed = task_data;
  g_autoptr (sqlite3) db = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) sam_fact_free);
  int rc;

  if (!(db = _sam_store_open_connection (to_embed->path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (sqlite3_prepare_v2 (db,
                          "SELECT " FACT_COLUMNS " FROM memory_facts "
                          "WHERE status = 'approved' AND valid_to IS NULL "
                          "  AND NOT EXISTS (SELECT 1 FROM memory_fact_embeddings e "
                          "    WHERE e.fact_id = memory_facts.id AND e.model = ?1) "
                          "ORDER BY created DESC, id DESC LIMIT ?2",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (&error, db, "list the memories to embed");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_text (stmt, 1, to_embed->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, to_embed->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (facts, fact_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (&error, db, "list the memories to embed");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&facts), (GDestroyNotify) g_ptr_array_unref);
}

/* The newest facts recall may use that have no embedding by MODEL, at most LIMIT, read by a
 * worker thread with its own connection. */
void
sam_store_list_facts_to_embed_async (SamStore           *self,
                                     const char         *model,
                                     guint               limit,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (SAM_IS_STORE (self));
  g_return_if_fail (model != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_store_list_facts_to_embed_async);
  g_task_set_task_data (task, _sam_thread_query_new (self, model, limit), _sam_thread_query_free);
  g_task_run_in_thread (task, list_to_embed_thread);
}

GPtrArray *
sam_store_list_facts_to_embed_finish (SamStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
update_fact (SamStore *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  if (!step_done (self, stmt, what, error))
    return FALSE;
  if (sqlite3_changes (_sam_store_get_db (self)) == 0)
    return not_found (error);
  return TRUE;
}

gboolean
sam_store_set_fact_text (SamStore *self, gint64 id, const char *text, GError **error)
{
  static const char *sql = "UPDATE memory_facts SET text = ?2, updated = ?3 WHERE id = ?1";
  g_auto (SamCachedStmt) stmt = NULL;
  g_autofree char *clean = g_strstrip (g_strdup (text ? text : ""));

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (*clean == '\0')
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID,
                   _ ("A memory needs some text."));
      return FALSE;
    }
  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, clean, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return update_fact (self, stmt, "edit a memory", error);
}

gboolean
sam_store_set_fact_pinned (SamStore *self, gint64 id, gboolean pinned, GError **error)
{
  static const char *sql = "UPDATE memory_facts SET pinned = ?2, updated = ?3 WHERE id = ?1";
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, pinned ? 1 : 0);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return update_fact (self, stmt, "pin a memory", error);
}

gboolean
sam_store_set_fact_status (SamStore *self, gint64 id, SamFactStatus status, GError **error)
{
  static const char *sql = "UPDATE memory_facts SET status = ?2, updated = ?3 WHERE id = ?1";
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, status_to_string (status), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return update_fact (self, stmt, "approve a memory", error);
}

gboolean
sam_store_invalidate_fact (
    SamStore *self, gint64 id, gint64 replaced_by, gint64 when, GError **error)
{
  static const char *sql = "UPDATE memory_facts SET valid_to = ?2, invalidated_by = ?3, "
                           "updated = ?4 WHERE id = ?1";
  g_auto (SamCachedStmt) stmt = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, when >= 0 ? when : now);
  bind_id (stmt, 3, replaced_by);
  sqlite3_bind_int64 (stmt, 4, now);
  return update_fact (self, stmt, "update a memory", error);
}

gboolean
sam_store_add_facts (SamStore *self, GPtrArray *facts, GPtrArray *replaces, GError **error)
{
  sqlite3 *db;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (facts != NULL, FALSE);
  g_return_val_if_fail (replaces == NULL || replaces->len == facts->len, FALSE);

  db = _sam_store_get_db (self);
  if (!_sam_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < facts->len; i++)
    {
      SamFact *fact = g_ptr_array_index (facts, i);
      GArray  *ids = replaces ? g_ptr_array_index (replaces, i) : NULL;

      if (!sam_store_add_fact (self, fact, error))
        goto failed;
      if (ids == NULL || fact->status != SAM_FACT_STATUS_APPROVED)
        continue;
      for (guint j = 0; j < ids->len; j++)
        if (!sam_store_invalidate_fact (self, g_array_index (ids, gint64, j), fact->id,
                                        fact->valid_from, error))
          goto failed;
    }

  if (_sam_store_exec (db, "COMMIT", error))
    return TRUE;

failed:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  for (guint i = 0; i < facts->len; i++)
    ((SamFact *) g_ptr_array_index (facts, i))->id = 0;
  return FALSE;
}

/* After a delete: rewrite the FTS5 indexes into one segment each (no old segment keeps the
 * words), with secure_delete overwriting every page freed, then empty the write-ahead log. */
static gboolean
scrub (SamStore *self, GError **error)
{
  sqlite3 *db = _sam_store_get_db (self);

  if (!_sam_store_exec (db,
                        "PRAGMA secure_delete = ON;"
                        "INSERT INTO memory_facts_fts (memory_facts_fts) VALUES ('optimize');"
                        "INSERT INTO archive_chunks_fts (archive_chunks_fts) VALUES ('optimize');"
                        "PRAGMA secure_delete = OFF;",
                        error))
    {
      sqlite3_exec (db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
      return FALSE;
    }
  /* Another process reading the database can keep the log from being emptied; the pages
   * are overwritten at the next checkpoint then. */
  sqlite3_exec (db, "PRAGMA wal_checkpoint (TRUNCATE)", NULL, NULL, NULL);
  return TRUE;
}

static gboolean
delete_with (SamStore *self, const char *sql, gint64 id, const char *path, GError **error)
{
  sqlite3 *db = _sam_store_get_db (self);
  g_auto (SamCachedStmt) stmt = NULL;
  gboolean ok;

  if (!_sam_store_exec (db, "PRAGMA secure_delete = ON", error))
    return FALSE;
  if ((stmt = _sam_store_prepare (self, sql, error)))
    {
      if (path)
        sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
      else
        sqlite3_bind_int64 (stmt, 1, id);
    }
  ok = stmt && step_done (self, stmt, "forget a memory", error);
  sqlite3_exec (db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
  if (!ok)
    return FALSE;
  if (id > 0 && sqlite3_changes (db) == 0)
    return not_found (error);
  return scrub (self, error);
}

static gboolean
delete_inside (SamStore *self, const char *sql, const char *prefix, GError **error)
{
  g_auto (SamCachedStmt) stmt = _sam_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_STATIC);
  return step_done (self, stmt, "forget a folder", error);
}

gboolean
sam_store_forget_fact (SamStore *self, gint64 id, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  return delete_with (self, "DELETE FROM memory_facts WHERE id = ?1", id, NULL, error);
}

gboolean
sam_store_forget_file (SamStore *self, const char *path, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  return delete_with (self, "DELETE FROM archive_chunks WHERE path = ?1", 0, path, error) &&
         delete_with (self, "DELETE FROM archive_failures WHERE path = ?1", 0, path, error);
}

gboolean
sam_store_forget_folder (SamStore *self, const char *folder, GError **error)
{
  g_autofree char *prefix = NULL;
  sqlite3         *db;
  gboolean         ok;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  /* "/home/anna/Notes/" and not "/home/anna/Notes 2/": compared as text, not with LIKE, so
   * no character of the folder's name is a wildcard. */
  prefix = g_str_has_suffix (folder, G_DIR_SEPARATOR_S)
               ? g_strdup (folder)
               : g_strconcat (folder, G_DIR_SEPARATOR_S, NULL);
  db = _sam_store_get_db (self);
  if (!_sam_store_exec (db, "PRAGMA secure_delete = ON; BEGIN IMMEDIATE", error))
    return FALSE;
  ok = delete_inside (self, "DELETE FROM archive_chunks WHERE substr (path, 1, length (?1)) = ?1",
                      prefix, error) &&
       delete_inside (self, "DELETE FROM archive_failures WHERE substr (path, 1, length (?1)) = ?1",
                      prefix, error) &&
       delete_inside (self,
                      "DELETE FROM memory_facts WHERE status = 'pending-review' "
                      "AND substr (source_path, 1, length (?1)) = ?1",
                      prefix, error) &&
       _sam_store_exec (db, "COMMIT", error);
  if (!ok)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_exec (db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
  return ok && scrub (self, error);
}

gboolean
sam_store_forget_all_memories (SamStore *self, GError **error)
{
  sqlite3 *db;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  db = _sam_store_get_db (self);
  if (!_sam_store_exec (db,
                        "PRAGMA secure_delete = ON;"
                        "BEGIN IMMEDIATE;"
                        "DELETE FROM memory_facts;"
                        "DELETE FROM memory_blocks;"
                        "DELETE FROM archive_chunks;"
                        "DELETE FROM archive_failures;"
                        "DELETE FROM conversation_summaries;"
                        "INSERT INTO memory_facts_fts (memory_facts_fts) VALUES ('delete-all');"
                        "INSERT INTO archive_chunks_fts (archive_chunks_fts) VALUES ('delete-all');"
                        "COMMIT;",
                        error))
    {
      sqlite3_exec (db, "ROLLBACK; PRAGMA secure_delete = OFF", NULL, NULL, NULL);
      return FALSE;
    }
  sqlite3_exec (db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
  return scrub (self, error);
}

/* Core blocks */

gboolean
sam_store_is_core_block_label (const char *label)
{
  for (guint i = 0; i < G_N_ELEMENTS (core_block_labels); i++)
    if (g_strcmp0 (label, core_block_labels[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
check_label (const char *label, GError **error)
{
  if (sam_store_is_core_block_label (label))
    return TRUE;
  g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID, "“%s” is not a core memory block",
               label ? label : "(null)");
  return FALSE;
}

/* The block's text; "" when it was never written. */
char *
sam_store_dup_core_block (SamStore *self, const char *label, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (!check_label (label, error) ||
      !(stmt =
            _sam_store_prepare (self, "SELECT value FROM memory_blocks WHERE label = ?1", error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, label, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (rc == SQLITE_DONE)
    return g_strdup ("");
  _sam_store_set_error (error, _sam_store_get_db (self), "read a core memory block");
  return NULL;
}

gboolean
sam_store_set_core_block (SamStore *self, const char *label, const char *value, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!check_label (label, error) ||
      !(stmt = _sam_store_prepare (self,
                                   "INSERT INTO memory_blocks (label, value, updated) "
                                   "VALUES (?1, ?2, ?3) ON CONFLICT (label) DO UPDATE "
                                   "SET value = excluded.value, updated = excluded.updated",
                                   error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, label, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value ? value : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return step_done (self, stmt, "save a core memory block", error);
}

/* Archive chunks */

gint64
sam_store_add_chunk (SamStore   *self,
                     const char *path,
                     guint       position,
                     const char *text,
                     gint64      modified,
                     GError    **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), 0);
  g_return_val_if_fail (path != NULL && text != NULL, 0);

  if (!(stmt = _sam_store_prepare (self,
                                   "INSERT OR REPLACE INTO archive_chunks "
                                   "(path, position, text, modified, created) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)",
                                   error)))
    return 0;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, position);
  sqlite3_bind_text (stmt, 3, text, -1, SQLITE_STATIC);
  bind_time (stmt, 4, modified);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (!step_done (self, stmt, "save part of a file", error))
    return 0;
  return sqlite3_last_insert_rowid (_sam_store_get_db (self));
}

gboolean
sam_store_get_chunk (
    SamStore *self, gint64 id, char **path, char **text, gint64 *created, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!(stmt = _sam_store_prepare (
            self,
            "SELECT path, text, coalesce (modified, created) FROM archive_chunks WHERE id = ?1",
            error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (path)
        *path = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (text)
        *text = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      if (created)
        *created = sqlite3_column_int64 (stmt, 2);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return not_found (error);
  _sam_store_set_error (error, _sam_store_get_db (self), "read part of a file");
  return FALSE;
}

/* Recall's candidates */

/* A message's question mark and speaker label ("Anna" in "Anna: …"), for recall. */
#define MESSAGE_SHAPE_COLUMNS \
  "instr (m.content, '?') > 0, substr (m.content, 1, instr (substr (m.content, 1, 32), ':') - 1)"

#define WINDOW_COLUMNS "m.id, m.conversation_id, m.created, 0, 0.5, " MESSAGE_SHAPE_COLUMNS

/* The shape columns are read for the LIMIT best only, not for every match. */
#define MATCH_MESSAGES_SQL                                                              \
  "SELECT m.id, m.conversation_id, m.created, best.score, 0.5, " MESSAGE_SHAPE_COLUMNS  \
  " FROM (SELECT m.id AS id, -bm25 (messages_fts) AS score "                            \
  "       FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "              \
  "       JOIN conversations c ON c.id = m.conversation_id "                            \
  "       WHERE messages_fts MATCH ?1 AND c.deleted IS NULL AND c.kind <> 'temporary' " \
  "       ORDER BY bm25 (messages_fts) LIMIT ?2) best "                                 \
  "JOIN messages m ON m.id = best.id ORDER BY best.score DESC"

#define MATCH_FACTS_SQL                                                               \
  "SELECT f.id, ifnull (f.conversation_id, 0), f.created, -bm25 (memory_facts_fts), " \
  "  CASE WHEN f.pinned THEN 1.0 ELSE f.importance END "                              \
  "FROM memory_facts_fts JOIN memory_facts f ON f.id = memory_facts_fts.rowid "       \
  "WHERE memory_facts_fts MATCH ?1 AND f.status = 'approved' AND f.valid_to IS NULL " \
  "ORDER BY bm25 (memory_facts_fts) LIMIT ?2"

#define MATCH_CHUNKS_SQL                                                               \
  "SELECT a.id, 0, coalesce (a.modified, a.created), -bm25 (archive_chunks_fts), 0.5 " \
  "FROM archive_chunks_fts JOIN archive_chunks a ON a.id = archive_chunks_fts.rowid "  \
  "WHERE archive_chunks_fts MATCH ?1 "                                                 \
  "ORDER BY bm25 (archive_chunks_fts) LIMIT ?2"

/* The newest matches, without BM25: for a word so common that scoring every match costs more
 * than it tells. */
#define NEWEST_FACTS_SQL                                                              \
  "SELECT f.id, ifnull (f.conversation_id, 0), f.created, 0.0, "                      \
  "  CASE WHEN f.pinned THEN 1.0 ELSE f.importance END "                              \
  "FROM memory_facts_fts JOIN memory_facts f ON f.id = memory_facts_fts.rowid "       \
  "WHERE memory_facts_fts MATCH ?1 AND f.status = 'approved' AND f.valid_to IS NULL " \
  "ORDER BY memory_facts_fts.rowid DESC LIMIT ?2"

#define NEWEST_CHUNKS_SQL                                                             \
  "SELECT a.id, 0, coalesce (a.modified, a.created), 0.0, 0.5 "                       \
  "FROM archive_chunks_fts JOIN archive_chunks a ON a.id = archive_chunks_fts.rowid " \
  "WHERE archive_chunks_fts MATCH ?1 ORDER BY archive_chunks_fts.rowid DESC LIMIT ?2"

#define NEWEST_MESSAGES_SQL                                                      \
  "SELECT m.id, m.conversation_id, m.created, 0.0, 0.5, " MESSAGE_SHAPE_COLUMNS  \
  " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "             \
  "JOIN conversations c ON c.id = m.conversation_id "                            \
  "WHERE messages_fts MATCH ?1 AND c.deleted IS NULL AND c.kind <> 'temporary' " \
  "ORDER BY messages_fts.rowid DESC LIMIT ?2"

#define PROBE_FACTS_SQL                                                         \
  "SELECT (SELECT rowid FROM memory_facts_fts WHERE memory_facts_fts MATCH ?1 " \
  "        ORDER BY rowid DESC LIMIT 1 OFFSET ?2), (SELECT max (rowid) FROM memory_facts)"

#define PROBE_CHUNKS_SQL                                                            \
  "SELECT (SELECT rowid FROM archive_chunks_fts WHERE archive_chunks_fts MATCH ?1 " \
  "        ORDER BY rowid DESC LIMIT 1 OFFSET ?2), (SELECT max (rowid) FROM archive_chunks)"

#define PROBE_MESSAGES_SQL                                              \
  "SELECT (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 " \
  "        ORDER BY rowid DESC LIMIT 1 OFFSET ?2), (SELECT max (rowid) FROM messages)"

static void
read_match (sqlite3_stmt *stmt, SamMemoryMatch *match)
{
  *match = (SamMemoryMatch){
    .id = sqlite3_column_int64 (stmt, 0),
    .group = sqlite3_column_int64 (stmt, 1),
    .time = sqlite3_column_int64 (stmt, 2),
    .score = sqlite3_column_double (stmt, 3),
    .importance = sqlite3_column_double (stmt, 4),
    .asks = sqlite3_column_count (stmt) > 5 && sqlite3_column_int (stmt, 5),
  };
  if (sqlite3_column_count (stmt) > 6 && sqlite3_column_text (stmt, 6))
    g_strlcpy (match->speaker, (const char *) sqlite3_column_text (stmt, 6), sizeof match->speaker);
}

/* The rows of SQL (a MATCH on ?1, at most ?2 rows) as SamMemoryMatch. */
static GArray *
match_with (SamStore *self, const char *sql, const char *expression, guint limit, GError **error)
{
  g_autoptr (GArray) matches = g_array_new (FALSE, FALSE, sizeof (SamMemoryMatch));
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, expression, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, limit ? limit : G_MAXINT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SamMemoryMatch match;

      read_match (stmt, &match);
      g_array_append_val (matches, match);
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "search memory");
      return NULL;
    }
  return g_steal_pointer (&matches);
}

GArray *
sam_store_match_memory (
    SamStore *self, SamMemorySource source, const char *expression, guint limit, GError **error)
{
  static const char *const sql[] = {
    [SAM_MEMORY_SOURCE_FACT] = MATCH_FACTS_SQL,
    [SAM_MEMORY_SOURCE_MESSAGE] = MATCH_MESSAGES_SQL,
    [SAM_MEMORY_SOURCE_CHUNK] = MATCH_CHUNKS_SQL,
  };

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (source < G_N_ELEMENTS (sql), NULL);

  return match_with (self, sql[source], expression, limit, error);
}

GArray *
sam_store_match_memory_newest (
    SamStore *self, SamMemorySource source, const char *expression, guint limit, GError **error)
{
  static const char *const sql[] = {
    [SAM_MEMORY_SOURCE_FACT] = NEWEST_FACTS_SQL,
    [SAM_MEMORY_SOURCE_MESSAGE] = NEWEST_MESSAGES_SQL,
    [SAM_MEMORY_SOURCE_CHUNK] = NEWEST_CHUNKS_SQL,
  };

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (source < G_N_ELEMENTS (sql), NULL);

  return match_with (self, sql[source], expression, limit, error);
}

gboolean
sam_store_probe_memory (SamStore       *self,
                        SamMemorySource source,
                        const char     *expression,
                        guint           offset,
                        gint64         *rowid,
                        gint64         *last,
                        GError        **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  const char *sql;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (expression != NULL, FALSE);

  switch (source)
    {
    case SAM_MEMORY_SOURCE_FACT:
      sql = PROBE_FACTS_SQL;
      break;
    case SAM_MEMORY_SOURCE_CHUNK:
      sql = PROBE_CHUNKS_SQL;
      break;
    case SAM_MEMORY_SOURCE_MESSAGE:
    default:
      sql = PROBE_MESSAGES_SQL;
      break;
    }

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, expression, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, offset);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "search memory");
      return FALSE;
    }
  if (rowid)
    *rowid = sqlite3_column_int64 (stmt, 0);
  if (last)
    *last = sqlite3_column_int64 (stmt, 1);
  return TRUE;
}

gboolean
sam_store_get_message_neighbours (
    SamStore *self, gint64 id, gint64 *previous, gint64 *next, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!(stmt = _sam_store_prepare (
            self,
            "SELECT "
            "  (SELECT max (p.id) FROM messages p WHERE p.conversation_id = m.conversation_id "
            "     AND p.id < m.id), "
            "  (SELECT min (n.id) FROM messages n WHERE n.conversation_id = m.conversation_id "
            "     AND n.id > m.id) "
            "FROM messages m WHERE m.id = ?1",
            error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  switch (sqlite3_step (stmt))
    {
    case SQLITE_ROW:
      if (previous)
        *previous = column_or (stmt, 0, 0);
      if (next)
        *next = column_or (stmt, 1, 0);
      return TRUE;
    case SQLITE_DONE:
      return not_found (error);
    default:
      _sam_store_set_error (error, _sam_store_get_db (self), "read a conversation");
      return FALSE;
    }
}

/* Conversation summaries */

char *
sam_store_dup_summary (SamStore *self,
                       gint64    conversation_id,
                       gint64   *through_message_id,
                       GError  **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (through_message_id)
    *through_message_id = 0;
  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT summary, through_message_id FROM conversation_summaries "
                                   "WHERE conversation_id = ?1",
                                   error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (through_message_id)
        *through_message_id = sqlite3_column_int64 (stmt, 1);
      return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  if (rc == SQLITE_DONE)
    return g_strdup ("");
  _sam_store_set_error (error, _sam_store_get_db (self), "read a conversation summary");
  return NULL;
}

gboolean
sam_store_set_summary (SamStore   *self,
                       gint64      conversation_id,
                       const char *summary,
                       gint64      through_message_id,
                       GError    **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  if (!(stmt = _sam_store_prepare (
            self,
            "INSERT INTO conversation_summaries (conversation_id, summary, through_message_id, "
            "  updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (conversation_id) DO UPDATE "
            "SET summary = excluded.summary, through_message_id = excluded.through_message_id, "
            "  updated = excluded.updated",
            error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_text (stmt, 2, summary, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, through_message_id);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  return step_done (self, stmt, "save a conversation summary", error);
}

GArray *
sam_store_get_message_window (
    SamStore *self, gint64 conversation, gint64 id, guint radius, GError **error)
{
  g_autoptr (GArray) window = g_array_sized_new (FALSE, TRUE, sizeof (SamMemoryMatch), 2 * radius);
  g_auto (SamCachedStmt) stmt = NULL;
  guint before = 0, after = 0;
  int   rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  g_array_set_size (window, 2 * radius);
  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT * FROM (SELECT " WINDOW_COLUMNS " FROM messages m "
                                   "  WHERE conversation_id = ?1 AND id < ?2 "
                                   "  ORDER BY id DESC LIMIT ?3) "
                                   "UNION ALL "
                                   "SELECT * FROM (SELECT " WINDOW_COLUMNS " FROM messages m "
                                   "  WHERE conversation_id = ?1 AND id > ?2 "
                                   "  ORDER BY id LIMIT ?3)",
                                   error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, conversation);
  sqlite3_bind_int64 (stmt, 2, id);
  sqlite3_bind_int64 (stmt, 3, radius);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64          other = sqlite3_column_int64 (stmt, 0);
      SamMemoryMatch *match;

      if (other < id && before < radius)
        match = &g_array_index (window, SamMemoryMatch, before++);
      else if (other > id && after < radius)
        match = &g_array_index (window, SamMemoryMatch, radius + after++);
      else
        continue;
      read_match (stmt, match);
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, _sam_store_get_db (self), "read a conversation");
      return NULL;
    }
  return g_steal_pointer (&window);
}
