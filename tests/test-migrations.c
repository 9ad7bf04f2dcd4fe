/* test-migrations.c — databases of every earlier schema version open, migrated, with their
 * data, search index, memory and interrupted replies in order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "sam-test-util.h"
#include "store/sam-archive-db.h"
#include "store/sam-embedding-store.h"
#include "store/sam-memory-store.h"
#include "store/sam-store-private.h"
#include "store/sam-store.h"

static char *
new_db_path (void)
{
  static guint counter;

  return g_strdup_printf ("%s/migrate-%u.db", sam_test_init_environment (), ++counter);
}

/* A database as an older Samantha left it, from tests/fixtures/store-vN.sql. */
static char *
build_old_database (guint version)
{
  g_autofree char *name = g_strdup_printf ("store-v%u.sql", version);
  g_autoptr (GBytes) sql = sam_test_load_fixture (name);
  g_autofree char *text = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));
  char            *path = new_db_path ();
  sqlite3         *db = NULL;
  char            *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, text, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", name, message);
  sqlite3_close (db);
  return path;
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
schema_of (sqlite3 *db)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GString *schema = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT type, name, ifnull (sql, '') FROM sqlite_master "
                                       "ORDER BY type, name",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_string_append_printf (schema, "%s %s:", sqlite3_column_text (stmt, 0),
                              sqlite3_column_text (stmt, 1));
      /* Layout is not schema: white space is left out. */
      for (const char *p = (const char *) sqlite3_column_text (stmt, 2); *p; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (schema, *p);
      g_string_append_c (schema, '\n');
    }
  return g_string_free (schema, FALSE);
}

/* FTS5's own check that the search index matches the messages. */
static void
assert_index_sound (sqlite3 *db)
{
  g_assert_cmpint (
      sqlite3_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')", NULL,
                    NULL, NULL),
      ==, SQLITE_OK);
}

static guint
count_hits (SamStore *store, const char *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GListModel) hits = sam_store_search (store, query, 0, &error);

  g_assert_no_error (error);
  return g_list_model_get_n_items (hits);
}

static void
test_from_version (gconstpointer data)
{
  guint version = GPOINTER_TO_UINT (data);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = build_old_database (version);
  g_autofree char *fresh_path = new_db_path ();
  g_autofree char *schema = NULL;
  g_autofree char *fresh_schema = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (SamStore) fresh = NULL;
  g_autoptr (SamConversation) sourdough = NULL;
  g_autoptr (SamConversation) quick = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  SamMessage      *message;
  sqlite3         *db;

  store = sam_store_new_for_path (path, &error);
  g_assert_no_error (error);
  db = _sam_store_get_db (store);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, SAM_STORE_SCHEMA_VERSION);
  {
    g_autoptr (sqlite3_stmt) stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  }

  /* The same schema as a database made new today. */
  fresh = sam_store_new_for_path (fresh_path, &error);
  g_assert_no_error (error);
  schema = schema_of (db);
  fresh_schema = schema_of (_sam_store_get_db (fresh));
  g_assert_cmpstr (schema, ==, fresh_schema);

  /* Every conversation and message, as it was. */
  list = sam_store_list_conversations (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  sourdough = g_object_ref (g_ptr_array_index (list, 0));
  quick = g_object_ref (g_ptr_array_index (list, 1));
  g_assert_cmpstr (sam_conversation_get_title (sourdough), ==, "Sourdough starter");
  g_assert_true (sam_conversation_get_pinned (sourdough));
  g_assert_cmpstr (sam_conversation_get_draft (sourdough), ==, "and the flour?");
  g_assert_cmpint (sam_conversation_get_created (sourdough), ==, 1700000000000000);
  g_assert_cmpint (sam_conversation_get_kind (quick), ==, SAM_CONVERSATION_KIND_QUICK_REPLY);

  messages = sam_store_get_recent_messages (store, sourdough, 10, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  message = g_ptr_array_index (messages, 1);
  g_assert_cmpstr (sam_message_get_content (message), ==,
                   "Discard half, then add equal weights of flour and water.");
  g_assert_cmpstr (sam_message_get_model (message), ==, "llama3");
  g_assert_cmpint (sam_message_get_tokens_out (message), ==, 12);
  g_assert_cmpint (sam_message_get_created (g_ptr_array_index (messages, 0)), ==, 1700000000000001);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* The reply that was streaming when the old version stopped is interrupted, kept. */
  messages = sam_store_get_recent_messages (store, quick, 10, &error);
  g_assert_cmpuint (messages->len, ==, 2);
  message = g_ptr_array_index (messages, 1);
  g_assert_cmpint (sam_message_get_state (message), ==, SAM_MESSAGE_STATE_INTERRUPTED);
  g_assert_cmpstr (sam_message_get_content (message), ==,
                   "About 95 degrees Celsius because of the alti");

  /* Old messages are searchable, the index is sound, and it follows new writes. */
  g_assert_cmpuint (count_hits (store, "sourdough"), ==, 1);
  g_assert_cmpuint (count_hits (store, "flour water"), ==, 1);
  g_assert_cmpuint (count_hits (store, "celsius"), ==, 1);
  assert_index_sound (db);
  g_object_unref (sam_store_append_message (store, quick, SAM_MESSAGE_ROLE_USER,
                                            "What about bread at altitude?", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_hits (store, "bread"), ==, 1);

  /* A reply streamed and finished now is indexed by the writer thread, and the index stays
   * sound when it is deleted. */
  {
    g_autoptr (SamMessage) reply =
        sam_store_begin_assistant_message (store, quick, "llama3", &error);

    g_assert_no_error (error);
    sam_message_append_content (reply, "Use a little more water at altitude.", -1);
    g_assert_true (
        sam_store_finish_message (store, reply, SAM_MESSAGE_STATE_COMPLETE, "stop", NULL, &error));
    g_assert_cmpuint (count_hits (store, "altitude water"), ==, 1);
    g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages_fts_pending"), ==, 0);
    g_assert_true (
        sam_store_delete_messages_from (store, quick, sam_message_get_id (reply), &error));
    g_assert_no_error (error);
    g_assert_cmpuint (count_hits (store, "altitude water"), ==, 0);
    assert_index_sound (db);
  }

  /* The embedding written by version 6 is kept (before the test below writes its own). */
  if (version >= 6)
    {
      g_autoptr (GArray) read = sam_store_get_fact_embedding (store, 1, "embed-v6", &error);
      const float values[] = { 1.0f, 2.0f };

      g_assert_no_error (error);
      g_assert_nonnull (read);
      g_assert_cmpmem (read->data, read->len * sizeof (float), values, sizeof values);
    }

  /* Tables added later work. */
  g_assert_true (sam_store_add_safety_event (store, "crisis", &error));
  g_assert_cmpuint (sam_store_count_safety_events (store, today, "crisis", &error), ==, 1);
  g_assert_no_error (error);
  {
    g_autoptr (SamFact) fact = sam_fact_new ("The user bakes sourdough on Sundays", "habit");
    g_autoptr (GPtrArray) hits = NULL;

    g_assert_true (sam_store_add_fact (store, fact, &error));
    g_assert_no_error (error);
    g_assert_true (sam_store_set_core_block (store, "user", "Bakes bread.", &error));
    g_assert_no_error (error);
    g_assert_cmpint (sam_store_add_chunk (store, "/tmp/recipe.txt", 0, "Rye sourdough", -1, &error),
                     >, 0);
    g_assert_no_error (error);
    g_assert_cmpint (query_int (db, "SELECT count(*) FROM memory_facts_fts "
                                    "WHERE memory_facts_fts MATCH 'sundays'"),
                     ==, 1);
  }
  {
    g_autofree char *summary = NULL;
    gint64           through = -1;

    g_assert_true (sam_store_set_summary (store, sam_conversation_get_id (sourdough),
                                          "They talked about feeding a starter.", 2, &error));
    g_assert_no_error (error);
    summary = sam_store_dup_summary (store, sam_conversation_get_id (sourdough), &through, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (summary, ==, "They talked about feeding a starter.");
    g_assert_cmpint (through, ==, 2);
  }

  {
    g_autoptr (GPtrArray) facts = sam_store_list_facts (store, SAM_FACT_FILTER_ALL, &error);
    g_autoptr (GArray) vector = g_array_new (FALSE, FALSE, sizeof (float));
    g_autoptr (GArray) read = NULL;
    const float values[] = { 0.25f, -1.5f, 3.0f };
    gint64      id;

    g_assert_no_error (error);
    g_assert_cmpuint (facts->len, >, 0);
    id = ((SamFact *) g_ptr_array_index (facts, facts->len - 1))->id;
    g_array_append_vals (vector, values, G_N_ELEMENTS (values));
    g_assert_true (sam_store_set_fact_embedding (store, id, "embed-test", vector, &error));
    g_assert_no_error (error);
    read = sam_store_get_fact_embedding (store, id, "embed-test", &error);
    g_assert_no_error (error);
    g_assert_nonnull (read);
    g_assert_cmpmem (read->data, read->len * sizeof (float), values, sizeof values);
    g_assert_cmpint (sam_store_count_fact_embeddings (store, &error), ==, 1);
  }

  /* What learning from files could not read is remembered, through the indexer's own
   * connection, and forgotten with its folder. */
  {
    g_autoptr (SamArchiveDb) archive = sam_archive_db_open (path, &error);
    g_autoptr (GPtrArray) failures =
        g_ptr_array_new_with_free_func ((GDestroyNotify) sam_archive_failure_free);
    g_autoptr (GPtrArray) read = NULL;
    SamArchiveFailure *failure;

    g_assert_no_error (error);
    g_ptr_array_add (failures, sam_archive_failure_new (SAM_ARCHIVE_FAILURE_UNREADABLE, NULL,
                                                        "This is a damaged PDF."));
    g_assert_true (sam_archive_db_set_failures (archive, "/tmp/notes/broken.pdf", 1700000000000000,
                                                100, failures, &error));
    g_assert_no_error (error);
    read = sam_archive_db_get_failures (archive, "/tmp/notes/broken.pdf", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (read->len, ==, 1);
    failure = g_ptr_array_index (read, 0);
    g_assert_cmpint (failure->kind, ==, SAM_ARCHIVE_FAILURE_UNREADABLE);
    g_assert_cmpstr (failure->reason, ==, "This is a damaged PDF.");
    g_assert_cmpint (failure->modified, ==, 1700000000000000);
    g_assert_cmpint (failure->size, ==, 100);
    g_assert_true (sam_store_forget_folder (store, "/tmp/notes", &error));
    g_assert_no_error (error);
    g_assert_cmpint (query_int (db, "SELECT count(*) FROM archive_failures"), ==, 0);
  }

  /* Memory written by version 4 is still remembered and recallable. */
  if (version >= 4)
    {
      g_autoptr (GPtrArray) facts = sam_store_list_facts (store, SAM_FACT_FILTER_CURRENT, &error);
      g_autofree char *block = sam_store_dup_core_block (store, "user", &error);

      g_assert_no_error (error);
      g_assert_cmpuint (facts->len, ==, 2);
      g_assert_cmpstr (block, ==, "Bakes bread.");
      g_assert_cmpint (query_int (db, "SELECT count(*) FROM memory_facts_fts "
                                      "WHERE memory_facts_fts MATCH 'starter'"),
                       ==, 1);
      g_assert_cmpint (query_int (db, "SELECT valid_from FROM memory_facts WHERE id = 1"), ==,
                       1700000000000000);
    }

  /* The summary written by version 5 is kept. */
  if (version >= 5)
    {
      g_autofree char *summary = sam_store_dup_summary (store, 2, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (summary, ==, "They asked about boiling water at altitude.");
    }

  /* Opening again changes nothing. */
  g_clear_pointer (&list, g_ptr_array_unref);
  g_clear_pointer (&messages, g_ptr_array_unref);
  g_clear_object (&sourdough);
  g_clear_object (&quick);
  g_clear_object (&store);
  store = sam_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_hits (store, "bread"), ==, 1);
}

/* An empty file (version 0) becomes a database. */
static void
test_from_empty_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_db_path ();
  g_autoptr (SamStore) store = NULL;

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  store = sam_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (_sam_store_get_db (store), "PRAGMA user_version"), ==,
                   SAM_STORE_SCHEMA_VERSION);
}

/* A migration that fails leaves the database as it was, at its old version. */
static void
test_failed_migration_rolls_back (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = build_old_database (2);
  g_autoptr (SamStore) store = NULL;
  sqlite3 *db = NULL;

  /* Something in the way of migration 3. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE safety_events (x)", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);

  store = sam_store_new_for_path (path, &error);
  g_assert_null (store);
  g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_FAILED);
  g_test_message ("%s", error->message);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE state = 'streaming'"), ==,
                   1);
  sqlite3_close (db);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  for (guint version = 1; version < SAM_STORE_SCHEMA_VERSION; version++)
    {
      g_autofree char *path = g_strdup_printf ("/migrations/from-version-%u", version);
      g_test_add_data_func (path, GUINT_TO_POINTER (version), test_from_version);
    }
  g_test_add_func ("/migrations/from-empty-file", test_from_empty_file);
  g_test_add_func ("/migrations/failed-migration-rolls-back", test_failed_migration_rolls_back);

  return g_test_run ();
}
