/* sam-store.c — Samantha's SQLite store: conversations, messages, search, safety counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sam-search-hit.h"
#include "sam-store.h"
#include "sam-store-private.h"

/* A soft-deleted conversation waits this long for Undo before the next start purges it. */
#define PURGE_AFTER_USEC (10 * G_TIME_SPAN_MINUTE)

/* Each entry takes the schema from version N to N + 1. Append, never edit: databases in the
 * wild were made by the old entries (tests/fixtures/store-v*.sql freeze each version). */
static const char *const migrations[] = {
  /* 1: conversations and messages. Times are microseconds since the epoch, UTC. */
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  uuid TEXT NOT NULL UNIQUE,"
  "  title TEXT NOT NULL DEFAULT '',"
  "  kind TEXT NOT NULL DEFAULT 'normal'"
  "    CHECK (kind IN ('normal', 'quick-reply', 'temporary')),"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  pinned INTEGER NOT NULL DEFAULT 0,"
  "  deleted INTEGER," /* when it was soft-deleted; NULL while it is not */
  "  draft TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX conversations_by_order ON conversations (pinned DESC, updated DESC);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),"
  "  content TEXT NOT NULL DEFAULT '',"
  "  created INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'complete'"
  "    CHECK (state IN ('complete', 'streaming', 'interrupted', 'failed')),"
  "  model TEXT,"
  "  finish_reason TEXT,"
  "  error TEXT,"
  "  tokens_in INTEGER,"
  "  tokens_out INTEGER,"
  "  writer_pid INTEGER);" /* the process streaming it, while state is 'streaming' */
  "CREATE INDEX messages_by_conversation ON messages (conversation_id, id);"
  "CREATE INDEX messages_streaming ON messages (state) WHERE state = 'streaming';",

  /* 2: full-text search over message text. External content, kept in step by triggers; a
   * reply is indexed once it stops streaming, so checkpoints stay cheap. */
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (content, content = 'messages',"
  "  content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, content)"
  "    SELECT new.id, new.content WHERE new.state <> 'streaming';"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming';"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming';"
  "  INSERT INTO messages_fts (rowid, content)"
  "    SELECT new.id, new.content WHERE new.state <> 'streaming';"
  "END;"
  "INSERT INTO messages_fts (rowid, content)"
  "  SELECT id, content FROM messages WHERE state <> 'streaming';",

  /* 3: safety events: a day and a kind, counted. Never any text of the conversation. */
  "CREATE TABLE safety_events ("
  "  id INTEGER PRIMARY KEY,"
  "  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),"
  "  kind TEXT NOT NULL"
  "    CHECK (length (kind) BETWEEN 1 AND 32 AND kind NOT GLOB '*[^a-z0-9_-]*'));"
  "CREATE INDEX safety_events_by_day ON safety_events (day, kind);",

  /* 4: memory. Facts the companion learned, each with its source, validity (a contradicted
   * fact is marked no longer valid, not deleted), importance, sensitivity and review status;
   * the pinned core blocks; chunks of the user's archive. Facts and chunks have FTS5 indexes
   * kept in step by triggers, like messages. */
  "CREATE TABLE memory_facts ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  text TEXT NOT NULL CHECK (length (text) > 0),"
  "  kind TEXT NOT NULL DEFAULT 'fact',"
  "  conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,"
  "  message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,"
  "  source_path TEXT," /* the file it came from */
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  valid_from INTEGER,"
  "  valid_to INTEGER," /* NULL while it still holds */
  "  invalidated_by INTEGER REFERENCES memory_facts (id) ON DELETE SET NULL,"
  "  importance REAL NOT NULL DEFAULT 0.5 CHECK (importance BETWEEN 0 AND 1),"
  "  sensitive INTEGER NOT NULL DEFAULT 0,"
  "  pinned INTEGER NOT NULL DEFAULT 0,"
  "  status TEXT NOT NULL DEFAULT 'approved'"
  "    CHECK (status IN ('approved', 'pending-review')));"
  "CREATE INDEX memory_facts_by_status ON memory_facts (status, valid_to);"
  "CREATE VIRTUAL TABLE memory_facts_fts USING fts5 (text, content = 'memory_facts',"
  "  content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');"
  "CREATE TRIGGER memory_facts_fts_insert AFTER INSERT ON memory_facts BEGIN"
  "  INSERT INTO memory_facts_fts (rowid, text) VALUES (new.id, new.text);"
  "END;"
  "CREATE TRIGGER memory_facts_fts_delete AFTER DELETE ON memory_facts BEGIN"
  "  INSERT INTO memory_facts_fts (memory_facts_fts, rowid, text)"
  "    VALUES ('delete', old.id, old.text);"
  "END;"
  "CREATE TRIGGER memory_facts_fts_update AFTER UPDATE OF text ON memory_facts BEGIN"
  "  INSERT INTO memory_facts_fts (memory_facts_fts, rowid, text)"
  "    VALUES ('delete', old.id, old.text);"
  "  INSERT INTO memory_facts_fts (rowid, text) VALUES (new.id, new.text);"
  "END;"
  "CREATE TABLE memory_blocks ("
  "  label TEXT PRIMARY KEY"
  "    CHECK (label IN ('persona', 'user', 'relationship', 'now', 'style')),"
  "  value TEXT NOT NULL DEFAULT '',"
  "  updated INTEGER NOT NULL);"
  "CREATE TABLE archive_chunks ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  path TEXT NOT NULL,"
  "  position INTEGER NOT NULL DEFAULT 0," /* the chunk's number within its file */
  "  text TEXT NOT NULL,"
  "  modified INTEGER," /* the file's modification time when it was read */
  "  created INTEGER NOT NULL,"
  "  UNIQUE (path, position));"
  "CREATE VIRTUAL TABLE archive_chunks_fts USING fts5 (text, content = 'archive_chunks',"
  "  content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2');"
  "CREATE TRIGGER archive_chunks_fts_insert AFTER INSERT ON archive_chunks BEGIN"
  "  INSERT INTO archive_chunks_fts (rowid, text) VALUES (new.id, new.text);"
  "END;"
  "CREATE TRIGGER archive_chunks_fts_delete AFTER DELETE ON archive_chunks BEGIN"
  "  INSERT INTO archive_chunks_fts (archive_chunks_fts, rowid, text)"
  "    VALUES ('delete', old.id, old.text);"
  "END;"
  "CREATE TRIGGER archive_chunks_fts_update AFTER UPDATE OF text ON archive_chunks BEGIN"
  "  INSERT INTO archive_chunks_fts (archive_chunks_fts, rowid, text)"
  "    VALUES ('delete', old.id, old.text);"
  "  INSERT INTO archive_chunks_fts (rowid, text) VALUES (new.id, new.text);"
  "END;",

  /* 5: the rolling summary of each conversation: its older messages folded into a few
   * sentences, up to and including message through_message_id, for the head of the history
   * once the conversation no longer fits the model's context. */
  "CREATE TABLE conversation_summaries ("
  "  conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,"
  "  summary TEXT NOT NULL,"
  "  through_message_id INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL);",

  /* 6: embeddings of facts, for the optional re-ranking of recall: float32 little-endian,
   * DIMENSION of them, from MODEL. Forgetting a fact forgets its embedding; editing its text
   * makes the embedding stale, so it goes too. */
  "CREATE TABLE memory_fact_embeddings ("
  "  fact_id INTEGER PRIMARY KEY REFERENCES memory_facts (id) ON DELETE CASCADE,"
  "  model TEXT NOT NULL,"
  "  dimension INTEGER NOT NULL CHECK (dimension > 0),"
  "  vector BLOB NOT NULL CHECK (length (vector) = 4 * dimension),"
  "  created INTEGER NOT NULL);"
  "CREATE TRIGGER memory_fact_embeddings_stale AFTER UPDATE OF text ON memory_facts BEGIN"
  "  DELETE FROM memory_fact_embeddings WHERE fact_id = new.id;"
  "END;",

  /* 7: what learning from the user's files could not read ('failed') or set aside as text
   * that speaks to an AI ('set-aside'), with the file's modification time and size then:
   * an unchanged file is not read again, and its reason is still shown. A mail of a mailbox
   * that was set aside has its subject as title; a file has one row per problem. */
  "CREATE TABLE archive_failures ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  path TEXT NOT NULL,"
  "  modified INTEGER NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('failed', 'set-aside')),"
  "  title TEXT,"
  "  reason TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE INDEX archive_failures_by_path ON archive_failures (path);",

  /* 8: a finished reply is indexed for search by the store's writer thread, not on the main
   * loop, where indexing a long reply stopped the window for milliseconds. Until then its id
   * is in messages_fts_pending, and the triggers leave its text to the writer: not indexed,
   * it is not taken out of the index either. */
  "CREATE TABLE messages_fts_pending (id INTEGER PRIMARY KEY);"
  "DROP TRIGGER messages_fts_delete;"
  "DROP TRIGGER messages_fts_update;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming'"
  "      AND NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = old.id);"
  "  DELETE FROM messages_fts_pending WHERE id = old.id;"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    SELECT 'delete', old.id, old.content WHERE old.state <> 'streaming'"
  "      AND NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = old.id);"
  "  INSERT INTO messages_fts (rowid, content)"
  "    SELECT new.id, new.content WHERE new.state <> 'streaming'"
  "      AND NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = new.id);"
  "END;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == SAM_STORE_SCHEMA_VERSION);

typedef struct
{
  SamStore   *store;
  SamMessage *message;
  gint64      id;
} LiveMessage;

struct _SamStore
{
  GObject parent_instance;

  char    *path;
  sqlite3 *db;

  /* Prepared statements by their (static) SQL text. */
  GHashTable *statements;

  /* id → SamConversation (strong): one object per conversation. */
  GHashTable *conversations;

  /* id → LiveMessage: the SamMessage objects alive now (weak), so one id is one object. */
  GHashTable *messages;

  /* ids of the replies this store began and has not finished. */
  GHashTable *streaming;

  /* Checkpoints of streaming replies are written by one thread with a connection of its own,
   * so the main loop never waits for the disk while a reply streams. */
  GThreadPool  *writer;
  sqlite3      *writer_db;
  sqlite3_stmt *writer_stmt;
  GMutex        writer_lock;
  GCond         writer_idle;
  guint         writer_pending;
};

G_DEFINE_FINAL_TYPE (SamStore, sam_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (sam - store - error - quark, sam_store_error)

enum
{
  CONVERSATION_ADDED,
  CONVERSATION_CHANGED,
  CONVERSATION_REMOVED,
  CONVERSATIONS_RELOADED,
  MESSAGE_ADDED,
  MESSAGES_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* WHAT is for the log only; the user gets a sentence about what they can do. */
void
_sam_store_set_error (GError **error, sqlite3 *db, const char *what)
{
  int         code = db ? sqlite3_errcode (db) : SQLITE_ERROR;
  const char *detail = db ? sqlite3_errmsg (db) : sqlite3_errstr (code);

  g_debug ("Store: could not %s: %s", what, detail);

  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_CORRUPT,
                 _ ("The conversation database is damaged or is not a database (%s)."), detail);
  else if (code == SQLITE_FULL)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED,
                 _ ("The disk is full: free some space so conversations can be saved."));
  else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED,
                 _ ("The conversation database is busy in another program; try again."));
  else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED,
                 _ ("Samantha may not write its conversation database; check the permissions "
                    "of its folder (%s)."),
                 detail);
  else
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED,
                 _ ("Samantha could not read or write its conversation database (%s)."), detail);
}

gboolean
_sam_store_exec (sqlite3 *db, const char *sql, GError **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, db, "run a command");
      return FALSE;
    }
  return TRUE;
}

static int
get_user_version (sqlite3 *db, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, db, "read the schema version");
      return -1;
    }
  return sqlite3_column_int (stmt, 0);
}

static sqlite3 *
open_connection (const char *path, GError **error)
{
  g_autoptr (sqlite3) db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED,
                   _ ("Could not open the conversation database “%s”: %s"), path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_busy_timeout (db, 5000);

  if (!_sam_store_exec (db,
                        "PRAGMA journal_mode = WAL;"
                        "PRAGMA synchronous = NORMAL;"
                        "PRAGMA foreign_keys = ON;",
                        error))
    return NULL;

  return g_steal_pointer (&db);
}

static gboolean
migrate (sqlite3 *db, const char *path, GError **error)
{
  int version;

  if ((version = get_user_version (db, error)) < 0)
    return FALSE;
  if (version == SAM_STORE_SCHEMA_VERSION)
    return TRUE;

  if (!_sam_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Another process may have migrated it while we waited for the lock. */
  if ((version = get_user_version (db, error)) < 0)
    goto failed;

  if (version > SAM_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NEWER_SCHEMA,
                   _ ("The conversation database “%s” was written by a newer version of "
                      "Samantha; update Samantha to open it."),
                   path);
      goto failed;
    }

  for (int v = version; v < SAM_STORE_SCHEMA_VERSION; v++)
    {
      if (sqlite3_exec (db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
        {
          _sam_store_set_error (error, db, "update the database schema");
          goto failed;
        }
    }

  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", SAM_STORE_SCHEMA_VERSION);
    if (!_sam_store_exec (db, sql, error))
      goto failed;
  }

  if (!_sam_store_exec (db, "COMMIT", error))
    goto failed;

  if (version > 0)
    g_debug ("Migrated %s from schema %d to %d", path, version, SAM_STORE_SCHEMA_VERSION);
  return TRUE;

failed:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

sqlite3 *
_sam_store_open_connection (const char *path, GError **error)
{
  g_autoptr (sqlite3) db = NULL;
  int version;

  if (!(db = open_connection (path, error)))
    return NULL;
  if ((version = get_user_version (db, error)) < 0)
    return NULL;
  if (version != SAM_STORE_SCHEMA_VERSION && !migrate (db, path, error))
    return NULL;

  return g_steal_pointer (&db);
}

sqlite3 *
_sam_store_get_db (SamStore *self)
{
  return self->db;
}

sqlite3_stmt *
_sam_store_prepare (SamStore *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt;

  if ((stmt = g_hash_table_lookup (self->statements, sql)))
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (error, self->db, "prepare a query");
      return NULL;
    }

  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

static gboolean
step_done (SamStore *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, what);
      return FALSE;
    }
  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt, int column, const char *text)
{
  if (text)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

static void
bind_count_or_null (sqlite3_stmt *stmt, int column, gint64 count)
{
  if (count >= 0)
    sqlite3_bind_int64 (stmt, column, count);
  else
    sqlite3_bind_null (stmt, column);
}

static gint64
column_count (sqlite3_stmt *stmt, int column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? -1
                                                           : sqlite3_column_int64 (stmt, column);
}

static gboolean
process_is_alive (gint64 pid)
{
  if (pid <= 0 || pid > G_MAXINT)
    return FALSE;
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

/* A job for the writer thread: a checkpoint of a streaming reply's text, or (with no text)
 * the indexing of the finished replies in messages_fts_pending. */
typedef struct
{
  gint64 id;
  char  *text;
  gsize  length;
} WriterJob;

static gboolean push_writer_job (SamStore *self, WriterJob *job, GError **error);

/* Replies finished by a process that stopped before its writer thread indexed them are indexed
 * now, by ours. */
static gboolean
index_left_pending (SamStore *self, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  if (!(stmt = _sam_store_prepare (self, "SELECT 1 FROM messages_fts_pending LIMIT 1", error)))
    return FALSE;

  switch (sqlite3_step (stmt))
    {
    case SQLITE_DONE:
      return TRUE;
    case SQLITE_ROW:
      return push_writer_job (self, g_new0 (WriterJob, 1), error);
    default:
      _sam_store_set_error (error, self->db, "index the replies left unindexed");
      return FALSE;
    }
}

/* A reply whose writer is gone (crash, SIGKILL, power loss) stays as far as its last
 * checkpoint and becomes interrupted, so the view can offer Retry. Replies another running
 * process is still writing are left alone. */
static gboolean
mark_interrupted (SamStore *self, GError **error)
{
  g_autoptr (GArray) stale = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_auto (SamCachedStmt) query = NULL;
  g_auto (SamCachedStmt) update = NULL;
  int rc;

  if (!(query = _sam_store_prepare (
            self, "SELECT id, writer_pid FROM messages WHERE state = 'streaming'", error)))
    return FALSE;

  while ((rc = sqlite3_step (query)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (query, 0);
      gint64 pid = column_count (query, 1);

      if (pid != getpid () && !process_is_alive (pid))
        g_array_append_val (stale, id);
    }
  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, "look for interrupted replies");
      return FALSE;
    }
  sqlite3_reset (query);

  if (!(update = _sam_store_prepare (self,
                                     "UPDATE messages SET state = 'interrupted', writer_pid = NULL "
                                     "WHERE id = ?1 AND state = 'streaming'",
                                     error)))
    return FALSE;

  for (guint i = 0; i < stale->len; i++)
    {
      sqlite3_reset (update);
      sqlite3_bind_int64 (update, 1, g_array_index (stale, gint64, i));
      if (!step_done (self, update, "mark an interrupted reply", error))
        return FALSE;
    }

  if (stale->len > 0)
    g_debug ("Marked %u interrupted replies", stale->len);

  return TRUE;
}

static gboolean
purge_old_deleted (SamStore *self, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  if (!(stmt = _sam_store_prepare (
            self, "DELETE FROM conversations WHERE deleted IS NOT NULL AND deleted < ?1", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () - PURGE_AFTER_USEC);
  return step_done (self, stmt, "remove deleted conversations", error);
}

static void
live_message_weak_notify (gpointer data, GObject *where_the_object_was)
{
  LiveMessage *live = data;

  /* The weak reference is already gone; live_message_free must not drop it again. */
  live->message = NULL;
  g_hash_table_remove (live->store->messages, &live->id);
}

static void
live_message_free (gpointer data)
{
  LiveMessage *live = data;

  if (live->message)
    g_object_weak_unref (G_OBJECT (live->message), live_message_weak_notify, live);
  g_free (live);
}

static void
remember_message (SamStore *self, SamMessage *message)
{
  LiveMessage *live = g_new0 (LiveMessage, 1);

  live->store = self;
  live->message = message;
  live->id = sam_message_get_id (message);
  g_object_weak_ref (G_OBJECT (message), live_message_weak_notify, live);
  g_hash_table_replace (self->messages, &live->id, live);
}

static void
forget_message (SamStore *self, gint64 id)
{
  g_hash_table_remove (self->messages, &id);
}

SamMessage *
_sam_store_lookup_message (SamStore *self, gint64 id)
{
  LiveMessage *live = g_hash_table_lookup (self->messages, &id);

  return live ? g_object_ref (live->message) : NULL;
}

SamMessage *
_sam_store_message_from_row (SamStore *self, sqlite3_stmt *stmt)
{
  gint64          id = sqlite3_column_int64 (stmt, 0);
  LiveMessage    *live;
  SamMessage     *message;
  SamMessageRole  role = SAM_MESSAGE_ROLE_USER;
  SamMessageState state = SAM_MESSAGE_STATE_COMPLETE;

  if (self && (live = g_hash_table_lookup (self->messages, &id)))
    return g_object_ref (live->message);

  sam_message_role_from_string ((const char *) sqlite3_column_text (stmt, 2), &role);
  sam_message_state_from_string ((const char *) sqlite3_column_text (stmt, 5), &state);

  message = _sam_message_new (
      id, sqlite3_column_int64 (stmt, 1), role, (const char *) sqlite3_column_text (stmt, 3),
      sqlite3_column_int64 (stmt, 4), state, (const char *) sqlite3_column_text (stmt, 6),
      (const char *) sqlite3_column_text (stmt, 7), (const char *) sqlite3_column_text (stmt, 8),
      column_count (stmt, 9), column_count (stmt, 10));
  if (self)
    remember_message (self, message);
  return message;
}

static SamConversation *
conversation_from_row (SamStore *self, sqlite3_stmt *stmt)
{
  gint64              id = sqlite3_column_int64 (stmt, 0);
  SamConversation    *conversation;
  SamConversationKind kind = SAM_CONVERSATION_KIND_NORMAL;

  if ((conversation = g_hash_table_lookup (self->conversations, &id)))
    return g_object_ref (conversation);

  sam_conversation_kind_from_string ((const char *) sqlite3_column_text (stmt, 3), &kind);
  conversation = _sam_conversation_new (
      id, (const char *) sqlite3_column_text (stmt, 1),
      (const char *) sqlite3_column_text (stmt, 2), kind, sqlite3_column_int64 (stmt, 4),
      sqlite3_column_int64 (stmt, 5), sqlite3_column_int (stmt, 6) != 0,
      sqlite3_column_type (stmt, 7) != SQLITE_NULL, (const char *) sqlite3_column_text (stmt, 8));
  g_hash_table_insert (self->conversations, g_memdup2 (&id, sizeof id),
                       g_object_ref (conversation));
  return conversation;
}

static void
sam_store_dispose (GObject *object)
{
  SamStore      *self = SAM_STORE (object);
  GHashTableIter iter;
  gpointer       key;

  /* Every checkpoint asked for is written before the store goes. */
  if (self->writer)
    g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  g_clear_pointer (&self->writer_stmt, sqlite3_finalize);
  g_clear_pointer (&self->writer_db, sqlite3_close);

  /* Replies this store began and never finished are interrupted now, not at the next start,
   * with whatever text arrived after their last checkpoint. */
  if (self->db && self->streaming && g_hash_table_size (self->streaming) > 0)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;

      if (sqlite3_prepare_v2 (self->db,
                              "UPDATE messages SET state = 'interrupted', writer_pid = NULL, "
                              "content = ifnull (?2, content) "
                              "WHERE id = ?1 AND state = 'streaming'",
                              -1, &stmt, NULL) == SQLITE_OK)
        {
          g_hash_table_iter_init (&iter, self->streaming);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            {
              LiveMessage *live = g_hash_table_lookup (self->messages, key);

              sqlite3_reset (stmt);
              sqlite3_bind_int64 (stmt, 1, *(gint64 *) key);
              if (live && live->message)
                sqlite3_bind_text (stmt, 2, sam_message_get_content (live->message), -1,
                                   SQLITE_STATIC);
              else
                sqlite3_bind_null (stmt, 2);
              if (sqlite3_step (stmt) != SQLITE_DONE)
                g_warning ("Could not mark a reply interrupted: %s", sqlite3_errmsg (self->db));
              else if (live && live->message)
                _sam_message_set_finished (live->message, SAM_MESSAGE_STATE_INTERRUPTED, NULL,
                                           NULL);
            }
        }
      g_hash_table_remove_all (self->streaming);
    }

  g_clear_pointer (&self->messages, g_hash_table_unref);
  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->streaming, g_hash_table_unref);

  G_OBJECT_CLASS (sam_store_parent_class)->dispose (object);
}

static void
sam_store_finalize (GObject *object)
{
  SamStore *self = SAM_STORE (object);

  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->writer_lock);
  g_cond_clear (&self->writer_idle);

  G_OBJECT_CLASS (sam_store_parent_class)->finalize (object);
}

static void
sam_store_class_init (SamStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sam_store_dispose;
  object_class->finalize = sam_store_finalize;

  signals[CONVERSATION_ADDED] =
      g_signal_new ("conversation-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, SAM_TYPE_CONVERSATION);
  signals[CONVERSATION_CHANGED] =
      g_signal_new ("conversation-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, SAM_TYPE_CONVERSATION);
  signals[CONVERSATION_REMOVED] =
      g_signal_new ("conversation-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, SAM_TYPE_CONVERSATION);
  signals[CONVERSATIONS_RELOADED] =
      g_signal_new ("conversations-reloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 0);
  signals[MESSAGE_ADDED] =
      g_signal_new ("message-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, SAM_TYPE_MESSAGE);
  signals[MESSAGES_REMOVED] =
      g_signal_new ("messages-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
sam_store_init (SamStore *self)
{
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) sqlite3_finalize);
  self->conversations = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->messages = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, live_message_free);
  self->streaming = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_mutex_init (&self->writer_lock);
  g_cond_init (&self->writer_idle);
}

char *
sam_store_dup_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "samantha", "samantha.db", NULL);
}

SamStore *
sam_store_new (GError **error)
{
  g_autofree char *path = sam_store_dup_default_path ();

  return sam_store_new_for_path (path, error);
}

SamStore *
sam_store_new_for_path (const char *path, GError **error)
{
  g_autoptr (SamStore) self = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Could not create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (SAM_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  if (!(self->db = open_connection (path, error)) || !migrate (self->db, path, error) ||
      !mark_interrupted (self, error) || !purge_old_deleted (self, error) ||
      !index_left_pending (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
sam_store_get_path (SamStore *self)
{
  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  return self->path;
}

void
_sam_store_emit_reloaded (SamStore *self)
{
  g_signal_emit (self, signals[CONVERSATIONS_RELOADED], 0);
}

/* Conversations */

SamConversation *
sam_store_create_conversation (SamStore           *self,
                               const char         *title,
                               SamConversationKind kind,
                               GError            **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  SamConversation *conversation;
  gint64           now = g_get_real_time ();
  gint64           id;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (!(stmt =
            _sam_store_prepare (self,
                                "INSERT INTO conversations (uuid, title, kind, created, updated) "
                                "VALUES (?1, ?2, ?3, ?4, ?4)",
                                error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, title ? title : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, sam_conversation_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!step_done (self, stmt, "create a conversation", error))
    return NULL;

  id = sqlite3_last_insert_rowid (self->db);
  conversation = _sam_conversation_new (id, uuid, title, kind, now, now, FALSE, FALSE, "");
  g_hash_table_insert (self->conversations, g_memdup2 (&id, sizeof id),
                       g_object_ref (conversation));

  g_signal_emit (self, signals[CONVERSATION_ADDED], 0, conversation);

  return conversation;
}

/* Also returns a deleted conversation still waiting for Undo. */
SamConversation *
sam_store_get_conversation (SamStore *self, gint64 id, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  SamConversation *conversation;
  int              rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if ((conversation = g_hash_table_lookup (self->conversations, &id)))
    return g_object_ref (conversation);

  if (!(stmt = _sam_store_prepare (
            self, "SELECT " SAM_STORE_CONVERSATION_COLUMNS " FROM conversations WHERE id = ?1",
            error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);

  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return conversation_from_row (self, stmt);

  if (rc == SQLITE_DONE)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND,
                 _ ("The conversation no longer exists."));
  else
    _sam_store_set_error (error, self->db, "read a conversation");
  return NULL;
}

/* Every conversation not deleted: pinned first, then the most recently updated first. */
GPtrArray *
sam_store_list_conversations (SamStore *self, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  return sam_store_list_first_conversations (self, G_MAXUINT, error);
}

/* The first LIMIT of them, in the same order: the start of the list without reading it all. */
GPtrArray *
sam_store_list_first_conversations (SamStore *self, guint limit, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GPtrArray) list = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if (!(stmt = _sam_store_prepare (
            self,
            "SELECT " SAM_STORE_CONVERSATION_COLUMNS " FROM conversations "
            "WHERE deleted IS NULL ORDER BY pinned DESC, updated DESC, id DESC LIMIT ?1",
            error)))
    return NULL;
  /* SQLite takes a negative limit as none. */
  sqlite3_bind_int64 (stmt, 1, limit == G_MAXUINT ? -1 : (sqlite3_int64) limit);

  list = g_ptr_array_new_with_free_func (g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, conversation_from_row (self, stmt));

  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, "list conversations");
      return NULL;
    }

  return g_steal_pointer (&list);
}

/* How many sam_store_list_conversations() gives. */
gboolean
sam_store_count_conversations (SamStore *self, guint *count, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (count != NULL, FALSE);

  if (!(stmt = _sam_store_prepare (self, "SELECT count(*) FROM conversations WHERE deleted IS NULL",
                                   error)))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, self->db, "count conversations");
      return FALSE;
    }
  *count = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
update_conversation (SamStore        *self,
                     SamConversation *conversation,
                     const char      *sql,
                     const char      *text,
                     gint64           number,
                     GError         **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  if (!(stmt = _sam_store_prepare (self, sql, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  if (text)
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 2, number);
  if (!step_done (self, stmt, "save the conversation", error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND,
                   _ ("The conversation no longer exists."));
      return FALSE;
    }
  return TRUE;
}

gboolean
sam_store_rename_conversation (SamStore        *self,
                               SamConversation *conversation,
                               const char      *title,
                               GError         **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  if (title == NULL)
    title = "";

  if (!update_conversation (self, conversation, "UPDATE conversations SET title = ?2 WHERE id = ?1",
                            title, 0, error))
    return FALSE;

  _sam_conversation_set_title (conversation, title);
  g_signal_emit (self, signals[CONVERSATION_CHANGED], 0, conversation);
  return TRUE;
}

gboolean
sam_store_set_conversation_pinned (SamStore        *self,
                                   SamConversation *conversation,
                                   gboolean         pinned,
                                   GError         **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  if (!update_conversation (self, conversation,
                            "UPDATE conversations SET pinned = ?2 WHERE id = ?1", NULL, !!pinned,
                            error))
    return FALSE;

  _sam_conversation_set_pinned (conversation, pinned);
  g_signal_emit (self, signals[CONVERSATION_CHANGED], 0, conversation);
  return TRUE;
}

/* The unsent text of the composer; saving it does not move the conversation in the list. */
gboolean
sam_store_set_conversation_draft (SamStore        *self,
                                  SamConversation *conversation,
                                  const char      *draft,
                                  GError         **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  if (draft == NULL)
    draft = "";
  if (g_strcmp0 (draft, sam_conversation_get_draft (conversation)) == 0)
    return TRUE;

  if (!update_conversation (self, conversation, "UPDATE conversations SET draft = ?2 WHERE id = ?1",
                            draft, 0, error))
    return FALSE;

  _sam_conversation_set_draft (conversation, draft);
  return TRUE;
}

/* Soft delete: hidden from the list and search until sam_store_undelete_conversation() or
 * sam_store_purge_conversation(); the next start purges it after ten minutes. */
gboolean
sam_store_delete_conversation (SamStore *self, SamConversation *conversation, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  if (sam_conversation_get_deleted (conversation))
    return TRUE;

  if (!update_conversation (self, conversation,
                            "UPDATE conversations SET deleted = ?2 WHERE id = ?1", NULL,
                            g_get_real_time (), error))
    return FALSE;

  _sam_conversation_set_deleted (conversation, TRUE);
  g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, conversation);
  return TRUE;
}

gboolean
sam_store_undelete_conversation (SamStore *self, SamConversation *conversation, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  if (!sam_conversation_get_deleted (conversation))
    return TRUE;

  if (!(stmt = _sam_store_prepare (self, "UPDATE conversations SET deleted = NULL WHERE id = ?1",
                                   error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  if (!step_done (self, stmt, "restore the conversation", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND,
                   _ ("The conversation can no longer be restored."));
      return FALSE;
    }

  _sam_conversation_set_deleted (conversation, FALSE);
  g_signal_emit (self, signals[CONVERSATION_ADDED], 0, conversation);
  return TRUE;
}

/* Removes the conversation and its messages for good (when the Undo toast is dismissed). */
gboolean
sam_store_purge_conversation (SamStore *self, SamConversation *conversation, GError **error)
{
  g_autoptr (SamConversation) hold = NULL;
  g_auto (SamCachedStmt) stmt = NULL;
  gint64   id;
  gboolean was_deleted;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  hold = g_object_ref (conversation);
  id = sam_conversation_get_id (conversation);
  was_deleted = sam_conversation_get_deleted (conversation);

  if (!(stmt = _sam_store_prepare (self, "DELETE FROM conversations WHERE id = ?1", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step_done (self, stmt, "delete the conversation", error))
    return FALSE;

  g_hash_table_remove (self->conversations, &id);
  _sam_conversation_set_deleted (conversation, TRUE);
  if (!was_deleted)
    g_signal_emit (self, signals[CONVERSATION_REMOVED], 0, conversation);
  return TRUE;
}

/* Messages */

static gboolean
touch_conversation (SamStore *self, SamConversation *conversation, gint64 now, GError **error)
{
  if (!update_conversation (self, conversation,
                            "UPDATE conversations SET updated = ?2 WHERE id = ?1", NULL, now,
                            error))
    return FALSE;

  _sam_conversation_set_updated (conversation, now);
  return TRUE;
}

static SamMessage *
insert_message (SamStore        *self,
                SamConversation *conversation,
                SamMessageRole   role,
                const char      *content,
                SamMessageState  state,
                const char      *model,
                GError         **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (SamMessage) message = NULL;
  gint64 now = g_get_real_time ();
  gint64 id;

  if (!_sam_store_exec (self->db, "BEGIN IMMEDIATE", error))
    return NULL;

  if (!(stmt = _sam_store_prepare (
            self,
            "INSERT INTO messages (conversation_id, role, content, created, state, "
            "model, writer_pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            error)))
    goto failed;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  sqlite3_bind_text (stmt, 2, sam_message_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, content ? content : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_text (stmt, 5, sam_message_state_to_string (state), -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 6, model);
  if (state == SAM_MESSAGE_STATE_STREAMING)
    sqlite3_bind_int64 (stmt, 7, getpid ());
  if (!step_done (self, stmt, "save the message", error))
    goto failed;
  id = sqlite3_last_insert_rowid (self->db);
  sqlite3_reset (stmt);

  if (!touch_conversation (self, conversation, now, error))
    goto failed;

  if (!_sam_store_exec (self->db, "COMMIT", error))
    goto failed;

  message = _sam_message_new (id, sam_conversation_get_id (conversation), role, content, now, state,
                              model, NULL, NULL, -1, -1);
  remember_message (self, message);

  g_signal_emit (self, signals[MESSAGE_ADDED], 0, message);
  g_signal_emit (self, signals[CONVERSATION_CHANGED], 0, conversation);

  return g_steal_pointer (&message);

failed:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return NULL;
}

/* Commits a complete message at once (the user's, before anything is sent). */
SamMessage *
sam_store_append_message (SamStore        *self,
                          SamConversation *conversation,
                          SamMessageRole   role,
                          const char      *content,
                          GError         **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  return insert_message (self, conversation, role, content, SAM_MESSAGE_STATE_COMPLETE, NULL,
                         error);
}

/* An empty assistant message in the streaming state. Append deltas to it with
 * sam_message_append_content(), checkpoint, then finish. */
SamMessage *
sam_store_begin_assistant_message (SamStore        *self,
                                   SamConversation *conversation,
                                   const char      *model,
                                   GError         **error)
{
  SamMessage *message;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  message = insert_message (self, conversation, SAM_MESSAGE_ROLE_ASSISTANT, "",
                            SAM_MESSAGE_STATE_STREAMING, model, error);
  if (message)
    {
      gint64 id = sam_message_get_id (message);
      g_hash_table_add (self->streaming, g_memdup2 (&id, sizeof id));
    }
  return message;
}

static void
write_checkpoint (SamStore *self, WriterJob *checkpoint)
{
  if (self->writer_stmt == NULL &&
      sqlite3_prepare_v2 (self->writer_db,
                          /* A reply finished or interrupted meanwhile keeps its text. */
                          "UPDATE messages SET content = ?2 "
                          "WHERE id = ?1 AND state = 'streaming'",
                          -1, &self->writer_stmt, NULL) != SQLITE_OK)
    {
      g_warning ("A streaming reply could not be saved: %s", sqlite3_errmsg (self->writer_db));
      return;
    }

  sqlite3_bind_int64 (self->writer_stmt, 1, checkpoint->id);
  sqlite3_bind_text (self->writer_stmt, 2, checkpoint->text, (int) checkpoint->length,
                     SQLITE_STATIC);
  if (sqlite3_step (self->writer_stmt) != SQLITE_DONE)
    g_warning ("A streaming reply could not be saved: %s", sqlite3_errmsg (self->writer_db));
  sqlite3_reset (self->writer_stmt);
  sqlite3_clear_bindings (self->writer_stmt);
}

/* Indexes the finished replies waiting in messages_fts_pending, in one transaction: on the next
 * start, whatever a crash left waiting is indexed then. */
static void
index_pending (SamStore *self)
{
  char *message = NULL;

  if (sqlite3_exec (self->writer_db,
                    "BEGIN IMMEDIATE;"
                    "INSERT INTO messages_fts (rowid, content)"
                    "  SELECT m.id, m.content FROM messages_fts_pending p"
                    "  JOIN messages m ON m.id = p.id WHERE m.state <> 'streaming';"
                    "DELETE FROM messages_fts_pending;"
                    "COMMIT;",
                    NULL, NULL, &message) != SQLITE_OK)
    {
      g_warning ("A reply could not be indexed for search: %s", message);
      sqlite3_free (message);
      sqlite3_exec (self->writer_db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static void
run_writer_job (gpointer data, gpointer user_data)
{
  g_autofree WriterJob *job = data;
  g_autofree char      *text = job->text;
  g_autoptr (GError) error = NULL;
  SamStore *self = user_data;

  if (self->writer_db == NULL && (self->writer_db = open_connection (self->path, &error)) == NULL)
    g_warning ("The conversation database could not be written: %s", error->message);
  else if (text != NULL)
    write_checkpoint (self, job);
  else
    index_pending (self);

  g_mutex_lock (&self->writer_lock);
  if (--self->writer_pending == 0)
    g_cond_broadcast (&self->writer_idle);
  g_mutex_unlock (&self->writer_lock);
}

/* Hands @job to the writer thread, after the jobs handed to it before. */
static gboolean
push_writer_job (SamStore *self, WriterJob *job, GError **error)
{
  if (self->writer == NULL &&
      (self->writer = g_thread_pool_new (run_writer_job, self, 1, FALSE, error)) == NULL)
    goto failed;

  g_mutex_lock (&self->writer_lock);
  self->writer_pending++;
  g_mutex_unlock (&self->writer_lock);
  if (g_thread_pool_push (self->writer, job, error))
    return TRUE;

  g_mutex_lock (&self->writer_lock);
  self->writer_pending--;
  g_mutex_unlock (&self->writer_lock);

failed:
  g_free (job->text);
  g_free (job);
  return FALSE;
}

/* Saves the message's text as it is now: the text is copied and written by the store's
 * writer thread (one UPDATE, no search indexing while streaming) a moment later, after the
 * checkpoints asked for before it. A reply finished meanwhile keeps its final text. */
gboolean
sam_store_checkpoint_message (SamStore *self, SamMessage *message, GError **error)
{
  WriterJob *checkpoint;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_MESSAGE (message), FALSE);

  checkpoint = g_new0 (WriterJob, 1);
  checkpoint->id = sam_message_get_id (message);
  checkpoint->length = sam_message_get_content_length (message);
  checkpoint->text = g_strndup (sam_message_get_content (message), checkpoint->length);
  return push_writer_job (self, checkpoint, error);
}

/* Waits until every checkpoint asked for so far is written, and every finished reply indexed
 * for search. */
void
sam_store_wait_for_checkpoints (SamStore *self)
{
  g_return_if_fail (SAM_IS_STORE (self));

  g_mutex_lock (&self->writer_lock);
  while (self->writer_pending > 0)
    g_cond_wait (&self->writer_idle, &self->writer_lock);
  g_mutex_unlock (&self->writer_lock);
}

/* Writes the final text, state, finish reason, error and token usage of a reply. STATE is
 * usually complete, or failed with ERROR_MESSAGE (the sentence shown to the user). */
gboolean
sam_store_finish_message (SamStore       *self,
                          SamMessage     *message,
                          SamMessageState state,
                          const char     *finish_reason,
                          const char     *error_message,
                          GError        **error)
{
  g_autoptr (SamConversation) conversation = NULL;
  g_auto (SamCachedStmt) pending = NULL;
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GError) index_error = NULL;
  gboolean index;
  gint64   id;
  gint64   now = g_get_real_time ();

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (state != SAM_MESSAGE_STATE_STREAMING, FALSE);

  id = sam_message_get_id (message);

  if (!_sam_store_exec (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* A reply that was streaming is not indexed yet: the writer thread indexes its final text. */
  if (!(pending =
            _sam_store_prepare (self,
                                "INSERT OR IGNORE INTO messages_fts_pending (id) "
                                "SELECT id FROM messages WHERE id = ?1 AND state = 'streaming'",
                                error)))
    goto failed;
  sqlite3_bind_int64 (pending, 1, id);
  if (!step_done (self, pending, "save the reply", error))
    goto failed;
  index = sqlite3_changes (self->db) > 0;

  if (!(stmt =
            _sam_store_prepare (self,
                                "UPDATE messages SET content = ?2, state = ?3, finish_reason = ?4, "
                                "error = ?5, tokens_in = ?6, tokens_out = ?7, writer_pid = NULL "
                                "WHERE id = ?1",
                                error)))
    goto failed;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, sam_message_get_content (message),
                     (int) sam_message_get_content_length (message), SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, sam_message_state_to_string (state), -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 4, finish_reason);
  bind_text_or_null (stmt, 5, error_message);
  bind_count_or_null (stmt, 6, sam_message_get_tokens_in (message));
  bind_count_or_null (stmt, 7, sam_message_get_tokens_out (message));
  if (!step_done (self, stmt, "save the reply", error))
    goto failed;
  sqlite3_reset (stmt);

  conversation =
      sam_store_get_conversation (self, sam_message_get_conversation_id (message), error);
  if (conversation == NULL || !touch_conversation (self, conversation, now, error))
    goto failed;

  if (!_sam_store_exec (self->db, "COMMIT", error))
    goto failed;

  if (index && !push_writer_job (self, g_new0 (WriterJob, 1), &index_error))
    g_warning ("A reply could not be indexed for search: %s", index_error->message);

  g_hash_table_remove (self->streaming, &id);
  _sam_message_set_finished (message, state, finish_reason, error_message);
  g_signal_emit (self, signals[CONVERSATION_CHANGED], 0, conversation);
  return TRUE;

failed:
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Deletes FIRST_MESSAGE_ID and every later message of the conversation (regenerate deletes
 * from the reply, edit-and-resend from the user message). */
gboolean
sam_store_delete_messages_from (SamStore        *self,
                                SamConversation *conversation,
                                gint64           first_message_id,
                                GError         **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer       value;
  gint64         conversation_id;

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), FALSE);

  conversation_id = sam_conversation_get_id (conversation);

  if (!(stmt = _sam_store_prepare (
            self, "DELETE FROM messages WHERE conversation_id = ?1 AND id >= ?2", error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, first_message_id);
  if (!step_done (self, stmt, "delete messages", error))
    return FALSE;

  /* Objects still held elsewhere no longer stand for a row. */
  g_hash_table_iter_init (&iter, self->messages);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LiveMessage *live = value;

      if (live->id >= first_message_id &&
          sam_message_get_conversation_id (live->message) == conversation_id)
        g_array_append_val (gone, live->id);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      forget_message (self, g_array_index (gone, gint64, i));
      g_hash_table_remove (self->streaming, &g_array_index (gone, gint64, i));
    }

  g_signal_emit (self, signals[MESSAGES_REMOVED], 0, conversation_id, first_message_id);
  return TRUE;
}

SamMessage *
sam_store_get_message (SamStore *self, gint64 id, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  LiveMessage *live;
  int          rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);

  if ((live = g_hash_table_lookup (self->messages, &id)))
    return g_object_ref (live->message);

  if (!(stmt = _sam_store_prepare (
            self, "SELECT " SAM_STORE_MESSAGE_COLUMNS " FROM messages WHERE id = ?1", error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);

  if ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    return _sam_store_message_from_row (self, stmt);

  if (rc == SQLITE_DONE)
    g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_NOT_FOUND,
                 _ ("The message no longer exists."));
  else
    _sam_store_set_error (error, self->db, "read a message");
  return NULL;
}

/* The last LIMIT messages, oldest first (for assembling a request). */
GPtrArray *
sam_store_get_recent_messages (SamStore        *self,
                               SamConversation *conversation,
                               guint            limit,
                               GError         **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GPtrArray) list = NULL;
  int rc;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), NULL);

  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT " SAM_STORE_MESSAGE_COLUMNS " FROM messages "
                                   "WHERE conversation_id = ?1 ORDER BY id DESC LIMIT ?2",
                                   error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  sqlite3_bind_int64 (stmt, 2, limit);

  list = g_ptr_array_new_with_free_func (g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_insert (list, 0, _sam_store_message_from_row (self, stmt));

  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, self->db, "read messages");
      return NULL;
    }
  return g_steal_pointer (&list);
}

guint
sam_store_count_messages (SamStore *self, SamConversation *conversation, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), 0);
  g_return_val_if_fail (SAM_IS_CONVERSATION (conversation), 0);

  if (!(stmt = _sam_store_prepare (self, "SELECT count(*) FROM messages WHERE conversation_id = ?1",
                                   error)))
    return 0;
  sqlite3_bind_int64 (stmt, 1, sam_conversation_get_id (conversation));
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, self->db, "count messages");
      return 0;
    }
  return sqlite3_column_int (stmt, 0);
}

/* Search */

/* Plain user text to an FTS5 query: every word must appear, the last one as a prefix (so
 * results follow typing). Quoting each word keeps FTS5 syntax out of the user's hands. */
static char *
build_match_expression (const char *query)
{
  g_auto (GStrv) words = g_strsplit_set (query, " \t\r\n", -1);
  g_autoptr (GString) expression = g_string_new (NULL);
  guint last = 0;

  for (guint i = 0; words[i]; i++)
    if (words[i][0])
      last = i;

  for (guint i = 0; words[i]; i++)
    {
      if (!words[i][0])
        continue;
      if (expression->len)
        g_string_append_c (expression, ' ');
      g_string_append_c (expression, '"');
      for (const char *p = words[i]; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (expression, '"');
          g_string_append_c (expression, *p);
        }
      g_string_append_c (expression, '"');
      if (i == last)
        g_string_append_c (expression, '*');
    }

  if (expression->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&expression), FALSE);
}

#define SEARCH_SQL                                              \
  "SELECT m.id, m.conversation_id, c.title, m.role, m.created," \
  "  snippet (messages_fts, 0, char (1), char (2), '…', 12) " \
  "FROM messages_fts "                                          \
  "JOIN messages m ON m.id = messages_fts.rowid "               \
  "JOIN conversations c ON c.id = m.conversation_id "           \
  "WHERE messages_fts MATCH ?1 AND c.deleted IS NULL "          \
  "ORDER BY messages_fts.rowid DESC LIMIT ?2"

static GListModel *
run_search (sqlite3 *db, sqlite3_stmt *stmt, const char *query, guint limit, GError **error)
{
  g_autoptr (GListStore) hits = g_list_store_new (SAM_TYPE_SEARCH_HIT);
  g_autofree char *expression = build_match_expression (query);
  int              rc;

  if (expression == NULL)
    return G_LIST_MODEL (g_steal_pointer (&hits));

  sqlite3_bind_text (stmt, 1, expression, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, limit ? limit : G_MAXINT);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (SamSearchHit) hit = NULL;
      SamMessageRole role = SAM_MESSAGE_ROLE_USER;

      sam_message_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &role);
      hit = sam_search_hit_new (sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 0),
                                (const char *) sqlite3_column_text (stmt, 2), role,
                                sqlite3_column_int64 (stmt, 4),
                                (const char *) sqlite3_column_text (stmt, 5));
      g_list_store_append (hits, hit);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _sam_store_set_error (error, db, "search the conversations");
      return NULL;
    }

  return G_LIST_MODEL (g_steal_pointer (&hits));
}

/* Newest hits first; LIMIT 0 means no limit. */
GListModel *
sam_store_search (SamStore *self, const char *query, guint limit, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  /* Replies finished before the search are found: their indexing is waited for. */
  sam_store_wait_for_checkpoints (self);
  if (!(stmt = _sam_store_prepare (self, SEARCH_SQL, error)))
    return NULL;
  return run_search (self->db, stmt, query, limit, error);
}

SamThreadQuery *
_sam_thread_query_new (SamStore *self, const char *text, guint limit)
{
  SamThreadQuery *query = g_new0 (SamThreadQuery, 1);

  query->path = g_strdup (self->path);
  query->text = g_strdup (text);
  query->limit = limit;
  return query;
}

void
_sam_thread_query_free (gpointer data)
{
  SamThreadQuery *query = data;

  g_free (query->path);
  g_free (query->text);
  g_free (query);
}

static void
search_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SamThreadQuery *search = task_data;
  g_autoptr (sqlite3) db = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) error = NULL;
  GListModel *hits;

  /* Replies finished before the search are found: their indexing is waited for, here. */
  sam_store_wait_for_checkpoints (SAM_STORE (source_object));
  if (!(db = _sam_store_open_connection (search->path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (sqlite3_prepare_v2 (db, SEARCH_SQL, -1, &stmt, NULL) != SQLITE_OK)
    {
      _sam_store_set_error (&error, db, "search the conversations");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(hits = run_search (db, stmt, search->text, search->limit, &error)))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, hits, g_object_unref);
}

/* The same search in a worker thread with its own connection. */
void
sam_store_search_async (SamStore           *self,
                        const char         *query,
                        guint               limit,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (SAM_IS_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sam_store_search_async);
  g_task_set_task_data (task, _sam_thread_query_new (self, query, limit), _sam_thread_query_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, search_thread);
}

GListModel *
sam_store_search_finish (SamStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SAM_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sam_store_search_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Safety events */

static gboolean
is_valid_kind (const char *kind)
{
  gsize length = kind ? strlen (kind) : 0;

  if (length == 0 || length > 32)
    return FALSE;
  for (const char *p = kind; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || *p == '_'))
      return FALSE;
  return TRUE;
}

/* Counts one safety event of KIND (e.g. "crisis", "break-reminder") today. */
gboolean
sam_store_add_safety_event (SamStore *self, const char *kind, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");

  g_return_val_if_fail (SAM_IS_STORE (self), FALSE);

  if (!is_valid_kind (kind))
    {
      g_set_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_INVALID,
                   "A safety event kind must be a short identifier, not text");
      return FALSE;
    }

  if (!(stmt = _sam_store_prepare (self, "INSERT INTO safety_events (day, kind) VALUES (?1, ?2)",
                                   error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, day, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  return step_done (self, stmt, "count a safety event", error);
}

/* DAY ("YYYY-MM-DD") or KIND may be NULL for every day or every kind. */
guint
sam_store_count_safety_events (SamStore *self, const char *day, const char *kind, GError **error)
{
  g_auto (SamCachedStmt) stmt = NULL;

  g_return_val_if_fail (SAM_IS_STORE (self), 0);

  if (!(stmt = _sam_store_prepare (self,
                                   "SELECT count(*) FROM safety_events "
                                   "WHERE (?1 IS NULL OR day = ?1) AND (?2 IS NULL OR kind = ?2)",
                                   error)))
    return 0;
  bind_text_or_null (stmt, 1, day);
  bind_text_or_null (stmt, 2, kind);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _sam_store_set_error (error, self->db, "count safety events");
      return 0;
    }
  return sqlite3_column_int (stmt, 0);
}
