/* sam-archive-db.c — a connection of its own for indexing the user's files in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sam-archive-db.h"

#include "sam-store-private.h"

struct _SamArchiveDb
{
  sqlite3      *db;
  sqlite3_stmt *modified;
  sqlite3_stmt *delete;
  sqlite3_stmt *insert;
  sqlite3_stmt *failures;
  sqlite3_stmt *delete_failures;
  sqlite3_stmt *insert_failure;
  sqlite3_stmt *failed_inside;
};

static const char *const kind_names[] = { "failed", "set-aside" };

SamArchiveFailure *
sam_archive_failure_new (SamArchiveFailureKind kind, const char *title, const char *reason)
{
  SamArchiveFailure *failure = g_new0 (SamArchiveFailure, 1);

  failure->kind = kind;
  failure->title = title && *title ? g_strdup (title) : NULL;
  failure->reason = g_strdup (reason ? reason : "");
  failure->modified = -1;
  failure->size = -1;
  return failure;
}

void
sam_archive_failure_free (SamArchiveFailure *failure)
{
  if (failure == NULL)
    return;
  g_free (failure->title);
  g_free (failure->reason);
  g_free (failure);
}

SamArchiveDb *
sam_archive_db_open (const char *path, GError **error)
{
  g_autoptr (SamArchiveDb) self = g_new0 (SamArchiveDb, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (!(self->db = _sam_store_open_connection (path, error)))
    return NULL;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT count (*), min (ifnull (modified, -1)) FROM archive_chunks "
                          "WHERE path = ?1",
                          -1, &self->modified, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "DELETE FROM archive_chunks WHERE path = ?1", -1, &self->delete,
                          NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "INSERT INTO archive_chunks (path, position, text, modified, created) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          -1, &self->insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "SELECT kind, title, reason, modified, size FROM archive_failures "
                          "WHERE path = ?1 ORDER BY id",
                          -1, &self->failures, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "DELETE FROM archive_failures WHERE path = ?1", -1,
                          &self->delete_failures, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "INSERT INTO archive_failures (path, modified, size, kind, title, "
                          "reason, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          -1, &self->insert_failure, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "SELECT DISTINCT path FROM archive_failures "
                          "WHERE substr (path, 1, length (?1)) = ?1",
                          -1, &self->failed_inside, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, self->db, "prepare the archive statements");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
sam_archive_db_close (SamArchiveDb *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->modified, sqlite3_finalize);
  g_clear_pointer (&self->delete, sqlite3_finalize);
  g_clear_pointer (&self->insert, sqlite3_finalize);
  g_clear_pointer (&self->failures, sqlite3_finalize);
  g_clear_pointer (&self->delete_failures, sqlite3_finalize);
  g_clear_pointer (&self->insert_failure, sqlite3_finalize);
  g_clear_pointer (&self->failed_inside, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self);
}

gint64
sam_archive_db_get_modified (SamArchiveDb *self, const char *path, GError **error)
{
  gint64 modified = -1;
  int    rc;

  g_return_val_if_fail (self != NULL && path != NULL, -1);

  sqlite3_bind_text (self->modified, 1, path, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->modified);
  if (rc == SQLITE_ROW && sqlite3_column_int64 (self->modified, 0) > 0)
    modified = sqlite3_column_int64 (self->modified, 1);
  else if (rc != SQLITE_ROW)
    _sam_store_set_error (error, self->db, "look up an indexed file");
  sqlite3_reset (self->modified);
  return modified;
}

/* Inside a transaction: the failures of PATH become FAILURES. */
static gboolean
write_failures (SamArchiveDb *self,
                const char   *path,
                gint64        modified,
                gint64        size,
                GPtrArray    *failures,
                gint64        now)
{
  sqlite3_bind_text (self->delete_failures, 1, path, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (self->delete_failures) != SQLITE_DONE)
    return FALSE;
  sqlite3_reset (self->delete_failures);

  for (guint i = 0; failures && i < failures->len; i++)
    {
      SamArchiveFailure *failure = g_ptr_array_index (failures, i);

      sqlite3_bind_text (self->insert_failure, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (self->insert_failure, 2, modified);
      sqlite3_bind_int64 (self->insert_failure, 3, size);
      sqlite3_bind_text (self->insert_failure, 4, kind_names[failure->kind], -1, SQLITE_STATIC);
      if (failure->title)
        sqlite3_bind_text (self->insert_failure, 5, failure->title, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (self->insert_failure, 5);
      sqlite3_bind_text (self->insert_failure, 6, failure->reason, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (self->insert_failure, 7, now);
      if (sqlite3_step (self->insert_failure) != SQLITE_DONE)
        return FALSE;
      sqlite3_reset (self->insert_failure);
    }
  return TRUE;
}

static void
reset_writes (SamArchiveDb *self)
{
  sqlite3_reset (self->delete);
  sqlite3_reset (self->insert);
  sqlite3_reset (self->delete_failures);
  sqlite3_reset (self->insert_failure);
}

gboolean
sam_archive_db_replace_file (SamArchiveDb *self,
                             const char   *path,
                             GPtrArray    *chunks,
                             gint64        modified,
                             gint64        size,
                             GPtrArray    *failures,
                             GError      **error)
{
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (!_sam_store_exec (self->db, "PRAGMA secure_delete = ON; BEGIN IMMEDIATE", error))
    return FALSE;

  sqlite3_bind_text (self->delete, 1, path, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (self->delete) != SQLITE_DONE)
    goto failed;
  sqlite3_reset (self->delete);

  for (guint i = 0; chunks && i < chunks->len; i++)
    {
      sqlite3_bind_text (self->insert, 1, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (self->insert, 2, i);
      sqlite3_bind_text (self->insert, 3, g_ptr_array_index (chunks, i), -1, SQLITE_TRANSIENT);
      if (modified >= 0)
        sqlite3_bind_int64 (self->insert, 4, modified);
      else
        sqlite3_bind_null (self->insert, 4);
      sqlite3_bind_int64 (self->insert, 5, now);
      if (sqlite3_step (self->insert) != SQLITE_DONE)
        goto failed;
      sqlite3_reset (self->insert);
    }
  if (!write_failures (self, path, modified, size, failures, now))
    goto failed;

  return _sam_store_exec (self->db, "COMMIT; PRAGMA secure_delete = OFF", error);

failed:
  _sam_store_set_error (error, self->db, "save the parts of a file");
  reset_writes (self);
  sqlite3_exec (self->db, "ROLLBACK; PRAGMA secure_delete = OFF", NULL, NULL, NULL);
  return FALSE;
}

GPtrArray *
sam_archive_db_get_failures (SamArchiveDb *self, const char *path, GError **error)
{
  g_autoptr (GPtrArray) failures =
      g_ptr_array_new_with_free_func ((GDestroyNotify) sam_archive_failure_free);
  int rc;

  g_return_val_if_fail (self != NULL && path != NULL, NULL);

  sqlite3_bind_text (self->failures, 1, path, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (self->failures)) == SQLITE_ROW)
    {
      const char        *kind = (const char *) sqlite3_column_text (self->failures, 0);
      SamArchiveFailure *failure =
          sam_archive_failure_new (g_strcmp0 (kind, kind_names[SAM_ARCHIVE_FAILURE_SET_ASIDE]) == 0
                                       ? SAM_ARCHIVE_FAILURE_SET_ASIDE
                                       : SAM_ARCHIVE_FAILURE_UNREADABLE,
                                   (const char *) sqlite3_column_text (self->failures, 1),
                                   (const char *) sqlite3_column_text (self->failures, 2));

      failure->modified = sqlite3_column_int64 (self->failures, 3);
      failure->size = sqlite3_column_int64 (self->failures, 4);
      g_ptr_array_add (failures, failure);
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, "look up what could not be read of a file");
      sqlite3_reset (self->failures);
      return NULL;
    }
  sqlite3_reset (self->failures);
  return g_steal_pointer (&failures);
}

gboolean
sam_archive_db_set_failures (SamArchiveDb *self,
                             const char   *path,
                             gint64        modified,
                             gint64        size,
                             GPtrArray    *failures,
                             GError      **error)
{
  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (!_sam_store_exec (self->db, "PRAGMA secure_delete = ON; BEGIN IMMEDIATE", error))
    return FALSE;
  if (!write_failures (self, path, modified, size, failures, g_get_real_time ()))
    {
      _sam_store_set_error (error, self->db, "remember what could not be read of a file");
      reset_writes (self);
      sqlite3_exec (self->db, "ROLLBACK; PRAGMA secure_delete = OFF", NULL, NULL, NULL);
      return FALSE;
    }
  return _sam_store_exec (self->db, "COMMIT; PRAGMA secure_delete = OFF", error);
}

gboolean
sam_archive_db_prune_failures (SamArchiveDb *self,
                               const char   *folder,
                               GHashTable   *seen,
                               GError      **error)
{
  g_autofree char *prefix = NULL;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (self != NULL && folder != NULL && seen != NULL, FALSE);

  /* As sam_store_forget_folder: compared as text, the folder's name with its separator. */
  prefix = g_str_has_suffix (folder, G_DIR_SEPARATOR_S)
               ? g_strdup (folder)
               : g_strconcat (folder, G_DIR_SEPARATOR_S, NULL);
  sqlite3_bind_text (self->failed_inside, 1, prefix, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (self->failed_inside)) == SQLITE_ROW)
    {
      const char *path = (const char *) sqlite3_column_text (self->failed_inside, 0);

      if (!g_hash_table_contains (seen, path))
        g_ptr_array_add (gone, g_strdup (path));
    }
  sqlite3_reset (self->failed_inside);
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, "look up what could not be read in a folder");
      return FALSE;
    }
  for (guint i = 0; i < gone->len; i++)
    if (!sam_archive_db_set_failures (self, g_ptr_array_index (gone, i), 0, 0, NULL, error))
      return FALSE;
  return TRUE;
}
