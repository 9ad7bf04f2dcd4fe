/* test-import-export.c — ChatGPT and Samantha imports, the export, and --import/--export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "sam-test-util.h"
#include "store/sam-export.h"
#include "store/sam-import.h"
#include "store/sam-store-private.h"
#include "store/sam-store.h"

/* Connected swapped: counts how often a signal was emitted. */
static void
count_emission (guint *counter)
{
  (*counter)++;
}

static char *
new_path (const char *what)
{
  static guint counter;

  return g_strdup_printf ("%s/%s-%u", sam_test_init_environment (), what, ++counter);
}

static SamStore *
new_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = new_path ("store.db");
  SamStore        *store = sam_store_new_for_path (path, &error);

  g_assert_no_error (error);
  return store;
}

/* Everything an export must keep, as text: conversations by uuid, then their messages. */
static char *
dump (SamStore *store)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GString *out = g_string_new (NULL);
  sqlite3 *db = _sam_store_get_db (store);

  g_assert_cmpint (
      sqlite3_prepare_v2 (
          db,
          "SELECT c.uuid, c.title, c.kind, c.created, c.updated, c.pinned, c.draft, m.role, "
          "m.content, m.created, m.state, m.model, m.finish_reason, m.error, m.tokens_in, "
          "m.tokens_out FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id "
          "WHERE c.deleted IS NULL ORDER BY c.uuid, m.id",
          -1, &stmt, NULL),
      ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        g_string_append_printf (out, "%s|",
                                sqlite3_column_type (stmt, i) == SQLITE_NULL
                                    ? "<null>"
                                    : (const char *) sqlite3_column_text (stmt, i));
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static guint
count (SamStore *store, const char *table)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);

  g_assert_cmpint (sqlite3_prepare_v2 (_sam_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int (stmt, 0);
}

static GPtrArray *
messages_of (SamStore *store, SamConversation *conversation)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = sam_store_get_recent_messages (store, conversation, 1000, &error);

  g_assert_no_error (error);
  return messages;
}

static SamConversation *
find_by_title (SamStore *store, const char *title)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = sam_store_list_conversations (store, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (sam_conversation_get_title (g_ptr_array_index (list, i)), title) == 0)
      return g_object_ref (g_ptr_array_index (list, i));
  g_assert_not_reached ();
}

#define MESSAGE(array, i) ((SamMessage *) g_ptr_array_index (array, i))

static void
test_chatgpt_current_branch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = new_store ();
  g_autofree char *path = sam_test_fixture_path ("chatgpt-branches.json");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (SamConversation) lisbon = NULL;
  g_autoptr (SamConversation) untitled = NULL;
  g_autoptr (SamConversation) no_current = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  SamImportStats stats = { 0 };
  guint          reloaded = 0;

  g_signal_connect_swapped (store, "conversations-reloaded", G_CALLBACK (count_emission),
                            &reloaded);

  g_assert_true (sam_import_file (store, file, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.conversations, ==, 3);
  g_assert_cmpuint (stats.messages, ==, 4 + 1 + 2);
  g_assert_cmpuint (stats.skipped, ==, 0);
  g_assert_cmpuint (reloaded, ==, 1);

  /* The branch the user last saw: the edited question and the regenerated answer; no hidden
   * system prompt, custom instructions, tool calls, tool output or thoughts. */
  lisbon = find_by_title (store, "Weekend in Lisbon");
  g_assert_cmpstr (sam_conversation_get_uuid (lisbon), ==, "6f1c2a9e-1111-4a55-9b1e-0a0b0c0d0e01");
  g_assert_cmpint (sam_conversation_get_created (lisbon), ==, 1700000000250000);
  g_assert_cmpint (sam_conversation_get_updated (lisbon), ==, 1700000900500000);
  messages = messages_of (store, lisbon);
  g_assert_cmpuint (messages->len, ==, 4);

  g_assert_cmpint (sam_message_get_role (MESSAGE (messages, 0)), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 0)), ==,
                   "Plan a weekend in Lisbon for two.");
  g_assert_cmpint (sam_message_get_created (MESSAGE (messages, 0)), ==, 1700000001123456);

  g_assert_cmpint (sam_message_get_role (MESSAGE (messages, 1)), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 1)), ==,
                   "Day one: Alfama and the **tram 28**.\nDay two: Belém.");
  g_assert_cmpstr (sam_message_get_model (MESSAGE (messages, 1)), ==, "gpt-4o");
  g_assert_cmpstr (sam_message_get_finish_reason (MESSAGE (messages, 1)), ==, "stop");
  g_assert_cmpint (sam_message_get_created (MESSAGE (messages, 1)), ==, 1700000010500000);

  g_assert_cmpint (sam_message_get_role (MESSAGE (messages, 2)), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 2)), ==,
                   "Make it cheaper, please — here is the hostel I saw.");
  g_assert_cmpint (sam_message_get_created (MESSAGE (messages, 2)), ==, 1700000200750000);

  g_assert_cmpint (sam_message_get_role (MESSAGE (messages, 3)), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 3)), ==,
                   "Stay in a hostel in Baixa (about 25 € a night) and walk everywhere.");
  g_assert_cmpstr (sam_message_get_model (MESSAGE (messages, 3)), ==, "gpt-4o-mini");
  g_assert_cmpstr (sam_message_get_finish_reason (MESSAGE (messages, 3)), ==, "max_tokens");
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Missing title and times come from the messages. */
  untitled = find_by_title (store, "");
  g_assert_cmpint (sam_conversation_get_created (untitled), ==, 1690000000000000);
  g_assert_cmpint (sam_conversation_get_updated (untitled), ==, 1690000000000000);
  messages = messages_of (store, untitled);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 0)), ==,
                   "Über Nacht: \"quotes\", back\\slash, tab\there.\n\n```c\nint main (void) { "
                   "return 0; }\n```");
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Without current_node, the latest branch (last child) is the one shown. */
  no_current = find_by_title (store, "Edits with no current node");
  messages = messages_of (store, no_current);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpstr (sam_message_get_content (MESSAGE (messages, 1)), ==, "Second try");
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* The imported text is searchable. */
  {
    g_autoptr (GListModel) hits = sam_store_search (store, "hostel", 0, &error);
    g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 2);
  }

  /* Importing the same file again changes nothing. */
  g_assert_true (sam_import_file (store, file, &stats, NULL, &error));
  g_assert_cmpuint (stats.conversations, ==, 0);
  g_assert_cmpuint (stats.skipped, ==, 3);
  g_assert_cmpuint (count (store, "conversations"), ==, 3);
  g_assert_cmpuint (count (store, "messages"), ==, 7);
}

typedef struct
{
  const char *name;
  const char *contents;
  const char *reason;
} Malformed;

static const char good_conversation[] =
    "{\"title\": \"good\", \"current_node\": \"a\", \"mapping\": {\"a\": {\"message\": "
    "{\"author\": {\"role\": \"user\"}, \"content\": {\"content_type\": \"text\", \"parts\": "
    "[\"fine\"]}}, \"parent\": null, \"children\": []}}}";

static void
test_malformed (void)
{
  g_autoptr (SamStore) store = new_store ();
  g_autofree char *dir = new_path ("malformed");
  const Malformed  cases[] = {
     { "truncated.json", "[{\"title\": \"cut", "cut short" },
     { "number.json", "42", "neither a ChatGPT export" },
     { "object.json", "{\"a\": 1} x", "not valid JSON (at byte 9)" },
     { "empty.json", "", "neither a ChatGPT export" },
     { "no-mapping.json", "[{\"title\": \"x\"}]", "“x”) has no message tree" },
     { "not-object.json", "[3]", "Conversation 1 is not a JSON object" },
     { "bad-json.json", "[{\"title\": tru}]", "Conversation 1 is not valid JSON" },
     { "current.json", "[{\"title\": \"t\", \"current_node\": \"zz\", \"mapping\": {}}]",
       "“current_node” to a message that is not there" },
     { "parent.json",
       "[{\"current_node\": \"a\", \"mapping\": {\"a\": {\"message\": null, \"parent\": \"b\"}}}]",
       "parent is missing" },
     { "loop.json",
       "[{\"current_node\": \"a\", \"mapping\": {\"a\": {\"parent\": \"b\"}, \"b\": {\"parent\": "
        "\"a\"}}}]",
       "loops back" },
     { "role.json",
       "[{\"current_node\": \"a\", \"mapping\": {\"a\": {\"message\": {\"content\": {\"parts\": "
        "[\"x\"]}}}}}]",
       "without an author role" },
     { "parts.json",
       "[{\"current_node\": \"a\", \"mapping\": {\"a\": {\"message\": {\"author\": {\"role\": "
        "\"user\"}, \"content\": {\"content_type\": \"text\", \"parts\": \"x\"}}}}}]",
       "content is not text" },
     /* One bad conversation after good ones: still nothing at all. */
     { "good-then-bad.json", NULL, "Conversation 3 is not a JSON object" },
     { "trailing.json", NULL, "Unexpected text after the list" },
     { "zip.json", "PK\003\004rest of a zip", "ZIP archive" },
     { "latin1.json", "[{\"title\": \"caf\xe9\"}]", "not UTF-8" },
     { "samantha-role.json",
       "{\"format\": \"samantha-export\", \"version\": 1, \"conversations\": [{\"title\": \"s\", "
        "\"created\": \"2024-01-01T00:00:00Z\", \"updated\": \"2024-01-01T00:00:00Z\", "
        "\"messages\": [{\"role\": \"wizard\", \"content\": \"x\", \"created\": "
        "\"2024-01-01T00:00:00Z\"}]}]}",
       "message 1 has no valid role" },
     { "samantha-time.json",
       "{\"format\": \"samantha-export\", \"version\": 1, \"conversations\": [{\"title\": \"s\", "
        "\"created\": \"yesterday\", \"updated\": \"2024-01-01T00:00:00Z\", \"messages\": []}]}",
       "no valid creation or update time" },
     { "samantha-newer.json",
       "{\"format\": \"samantha-export\", \"version\": 7, \"conversations\": []}", "newer version" },
     { "samantha-truncated.json",
       "{\"format\": \"samantha-export\", \"version\": 1, \"conversations\": [{\"title\": ",
       "cut short" },
     { "samantha-not-list.json",
       "{\"format\": \"samantha-export\", \"version\": 1, \"conversations\": 3}",
       "no list of “conversations”" },
     { "samantha-trailing-comma.json",
       "{\"format\": \"samantha-export\", \"version\": 1, \"conversations\": [],}",
       "not valid JSON (at byte 64)" },
  };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr (GFile) file = g_file_new_for_path (path);
      SamImportStats stats = { 7, 7, 7 };

      if (g_str_equal (cases[i].name, "good-then-bad.json"))
        contents = g_strdup_printf ("[%s, %s, 17]", good_conversation, good_conversation);
      else if (g_str_equal (cases[i].name, "trailing.json"))
        contents = g_strdup_printf ("[%s] and more", good_conversation);
      else
        contents = g_strdup (cases[i].contents);

      g_assert_true (g_file_set_contents (path, contents, -1, NULL));
      g_assert_false (sam_import_file (store, file, &stats, NULL, &error));
      g_assert_error (error, SAM_STORE_ERROR, SAM_STORE_ERROR_MALFORMED);
      g_test_message ("%s: %s", cases[i].name, error->message);
      if (strstr (error->message, cases[i].reason) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[i].name, error->message, cases[i].reason);
      g_assert_nonnull (strstr (error->message, "Nothing was imported"));
      g_assert_nonnull (strstr (error->message, cases[i].name));

      /* Nothing partial, and the caller's stats are left alone. */
      g_assert_cmpuint (count (store, "conversations"), ==, 0);
      g_assert_cmpuint (count (store, "messages"), ==, 0);
      g_assert_cmpuint (stats.conversations, ==, 7);
    }

  /* A file that is not there. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *path = g_build_filename (dir, "missing.json", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (path);

    g_assert_false (sam_import_file (store, file, NULL, NULL, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_assert_nonnull (strstr (error->message, "missing.json"));
  }
}

/* A store with everything the schema can hold. */
static void
fill_varied (SamStore *store)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) a = NULL;
  g_autoptr (SamConversation) b = NULL;
  g_autoptr (SamConversation) c = NULL;
  g_autoptr (SamConversation) gone = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autoptr (SamMessage) failed = NULL;
  g_autoptr (SamMessage) stopped = NULL;

  a = sam_store_create_conversation (store, "Ünïcödé “quotes” and\nnewline",
                                     SAM_CONVERSATION_KIND_NORMAL, &error);
  g_object_unref (
      sam_store_append_message (store, a, SAM_MESSAGE_ROLE_SYSTEM, "Be brief.", &error));
  g_object_unref (sam_store_append_message (store, a, SAM_MESSAGE_ROLE_USER,
                                            "Tab\there, \"quotes\", back\\slash, emoji 🙂, "
                                            "control \001 char and a very long line",
                                            &error));
  reply = sam_store_begin_assistant_message (store, a, "llama3:8b", &error);
  sam_message_append_content (reply, "# Heading\n\n```sh\necho hi\n```\n", -1);
  sam_message_set_usage (reply, 120, 34);
  g_assert_true (
      sam_store_finish_message (store, reply, SAM_MESSAGE_STATE_COMPLETE, "stop", NULL, &error));
  g_object_unref (
      sam_store_append_message (store, a, SAM_MESSAGE_ROLE_TOOL, "{\"ok\": true}", &error));
  g_assert_true (sam_store_set_conversation_pinned (store, a, TRUE, &error));
  g_assert_true (sam_store_set_conversation_draft (store, a, "unsent words", &error));

  b = sam_store_create_conversation (store, "", SAM_CONVERSATION_KIND_QUICK_REPLY, &error);
  g_object_unref (sam_store_append_message (store, b, SAM_MESSAGE_ROLE_USER, "quick?", &error));
  failed = sam_store_begin_assistant_message (store, b, "gpt-4o", &error);
  sam_message_append_content (failed, "partial", -1);
  g_assert_true (sam_store_finish_message (store, failed, SAM_MESSAGE_STATE_FAILED, NULL,
                                           "The server is overloaded; try again.", &error));
  stopped = sam_store_begin_assistant_message (store, b, "gpt-4o", &error);
  g_assert_true (
      sam_store_finish_message (store, stopped, SAM_MESSAGE_STATE_INTERRUPTED, NULL, NULL, &error));

  c = sam_store_create_conversation (store, "Empty", SAM_CONVERSATION_KIND_TEMPORARY, &error);

  gone = sam_store_create_conversation (store, "Deleted", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_true (sam_store_delete_conversation (store, gone, &error));
  g_assert_no_error (error);
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) a = new_store ();
  g_autoptr (SamStore) b = new_store ();
  g_autofree char *dir = new_path ("export");
  g_autofree char *json_path = NULL;
  g_autofree char *dump_a = NULL;
  g_autofree char *dump_b = NULL;
  g_autoptr (GFile) directory = g_file_new_for_path (dir);
  g_autoptr (GDir) markdown = NULL;
  SamExportStats exported = { 0 };
  SamImportStats imported = { 0 };
  guint          n_md = 0;
  gboolean       seen_code = FALSE;
  const char    *name;

  fill_varied (a);

  g_assert_true (sam_export_to_directory (a, directory, &exported, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (exported.conversations, ==, 3);
  g_assert_cmpuint (exported.messages, ==, 7);

  /* The directory itself imports (it holds conversations.json). */
  g_assert_true (sam_import_file (b, directory, &imported, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imported.conversations, ==, 3);
  g_assert_cmpuint (imported.messages, ==, 7);

  dump_a = dump (a);
  dump_b = dump (b);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_a, "unsent words"));
  g_assert_nonnull (strstr (dump_a, "The server is overloaded"));

  /* The same export into the store it came from adds nothing. */
  json_path = g_build_filename (dir, "conversations.json", NULL);
  {
    g_autoptr (GFile) json = g_file_new_for_path (json_path);
    g_assert_true (sam_import_file (a, json, &imported, NULL, &error));
    g_assert_cmpuint (imported.conversations, ==, 0);
    g_assert_cmpuint (imported.skipped, ==, 3);
  }

  /* One readable Markdown file per conversation. */
  {
    g_autofree char *md_dir = g_build_filename (dir, "markdown", NULL);
    markdown = g_dir_open (md_dir, 0, &error);
    g_assert_no_error (error);
    while ((name = g_dir_read_name (markdown)))
      {
        g_autofree char *md_path = g_build_filename (md_dir, name, NULL);
        g_autofree char *text = NULL;

        g_assert_true (g_str_has_suffix (name, ".md"));
        g_assert_true (g_file_get_contents (md_path, &text, NULL, NULL));
        g_assert_true (g_str_has_prefix (text, "# "));
        if (strstr (text, "```sh\necho hi\n```"))
          {
            seen_code = TRUE;
            g_assert_nonnull (strstr (text, "## You · "));
            g_assert_nonnull (strstr (text, "## Samantha · "));
          }
        n_md++;
      }
    g_assert_cmpuint (n_md, ==, 3);
    g_assert_true (seen_code);
  }
}

/* A ChatGPT import exported and imported again is the same. */
static void
test_chatgpt_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) a = new_store ();
  g_autoptr (SamStore) b = new_store ();
  g_autofree char *fixture = sam_test_fixture_path ("chatgpt-branches.json");
  g_autofree char *dir = new_path ("export");
  g_autoptr (GFile) file = g_file_new_for_path (fixture);
  g_autoptr (GFile) directory = g_file_new_for_path (dir);
  g_autofree char *dump_a = NULL;
  g_autofree char *dump_b = NULL;

  g_assert_true (sam_import_file (a, file, NULL, NULL, &error));
  g_assert_true (sam_export_to_directory (a, directory, NULL, NULL, &error));
  g_assert_true (sam_import_file (b, directory, NULL, NULL, &error));
  g_assert_no_error (error);

  dump_a = dump (a);
  dump_b = dump (b);
  g_assert_cmpstr (dump_a, ==, dump_b);
}

/* Valid files laid out differently: members in another order, one ChatGPT conversation on its
 * own, a byte order mark, an empty list. */
static void
test_other_layouts (void)
{
  g_autoptr (SamStore) store = new_store ();
  g_autofree char *dir = new_path ("layouts");
  struct
  {
    const char *name;
    const char *contents;
    guint       conversations;
    guint       messages;
  } cases[] = {
    { "reordered.json",
      "{\"conversations\": [{\"messages\": [{\"created\": \"2024-05-01T10:00:00.5Z\", "
      "\"content\": \"hi\", \"role\": \"user\"}], \"updated\": \"2024-05-01T10:00:00Z\", "
      "\"created\": \"2024-05-01T10:00:00Z\", \"title\": \"r\"}], \"version\": 1, "
      "\"exported\": \"2024-05-02T00:00:00Z\", \"format\": \"samantha-export\"}",
      1, 1 },
    { "single.json", NULL, 1, 1 },
    { "bom.json", "\xef\xbb\xbf [ ] \n", 0, 0 },
  };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);
      SamImportStats stats = { 0 };

      g_assert_true (g_file_set_contents (
          path, cases[i].contents ? cases[i].contents : good_conversation, -1, NULL));
      g_assert_true (sam_import_file (store, file, &stats, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (stats.conversations, ==, cases[i].conversations);
      g_assert_cmpuint (stats.messages, ==, cases[i].messages);
    }

  {
    g_autoptr (SamConversation) reordered = find_by_title (store, "r");
    g_autoptr (GPtrArray) messages = messages_of (store, reordered);

    g_assert_cmpint (sam_message_get_created (MESSAGE (messages, 0)), ==, 1714557600500000);
  }
}

static void
async_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_async (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) a = new_store ();
  g_autoptr (SamStore) b = new_store ();
  g_autofree char *dir = new_path ("export");
  g_autoptr (GFile) directory = g_file_new_for_path (dir);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  SamExportStats exported = { 0 };
  SamImportStats imported = { 0 };
  guint          reloaded = 0;

  fill_varied (a);

  sam_export_to_directory_async (a, directory, NULL, async_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sam_export_to_directory_finish (a, result, &exported, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (exported.conversations, ==, 3);
  g_clear_object (&result);

  g_signal_connect_swapped (b, "conversations-reloaded", G_CALLBACK (count_emission), &reloaded);
  sam_import_file_async (b, directory, NULL, async_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (sam_import_file_finish (b, result, &imported, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (imported.conversations, ==, 3);
  g_assert_cmpuint (imported.messages, ==, 7);
  g_assert_cmpuint (reloaded, ==, 1);
  g_clear_object (&result);

  /* Cancelled before it starts: an error, and nothing written. */
  {
    g_autoptr (SamStore) c = new_store ();

    g_cancellable_cancel (cancellable);
    sam_import_file_async (c, directory, cancellable, async_done_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (sam_import_file_finish (c, result, &imported, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (count (c, "conversations"), ==, 0);
  }
}

/* The real binary, headless: no display, no bus. */
static void
run_samantha (const char *data_home, const char *const *args, int *status, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) envp = g_get_environ ();
  const char *exe = g_getenv ("SAMANTHA_EXE");

  g_assert_nonnull (exe);
  g_ptr_array_add (argv, (char *) exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "XDG_DATA_HOME", data_home, TRUE);
  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent", TRUE);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err, status,
                &error);
  g_assert_no_error (error);
}

static void
test_command_line (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *home = new_path ("cli-home");
  g_autofree char *fixture = sam_test_fixture_path ("chatgpt-branches.json");
  g_autofree char *export_dir = new_path ("cli-export");
  g_autofree char *db_path = g_build_filename (home, "samantha", "samantha.db", NULL);
  g_autofree char *bad = new_path ("bad.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json_path = NULL;
  g_autoptr (SamStore) store = NULL;
  int status = -1;

  if (g_getenv ("SAMANTHA_EXE") == NULL)
    {
      g_test_skip ("SAMANTHA_EXE is not set");
      return;
    }

  run_samantha (home, (const char *const[]){ "--import", fixture, NULL }, &status, &out, &err);
  g_test_message ("--import: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==,
                   "Imported 3 conversations with 7 messages from “chatgpt-branches.json”.\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  store = sam_store_new_for_path (db_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count (store, "conversations"), ==, 3);
  g_assert_cmpuint (count (store, "messages"), ==, 7);

  run_samantha (home, (const char *const[]){ "--import", fixture, NULL }, &status, &out, &err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "3 skipped because they were already imported"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  run_samantha (home, (const char *const[]){ "--export", export_dir, NULL }, &status, &out, &err);
  g_test_message ("--export: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "Exported 3 conversations with 7 messages to “"));
  json_path = g_build_filename (export_dir, "conversations.json", NULL);
  g_assert_true (g_file_test (json_path, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A malformed file: a non-zero status, one clear line on stderr, nothing on stdout. */
  g_assert_true (g_file_set_contents (bad, "[{\"title\": \"x\"}]", -1, NULL));
  run_samantha (home, (const char *const[]){ "--import", bad, NULL }, &status, &out, &err);
  g_test_message ("bad --import: %s", err);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "samantha: Nothing was imported: "));
  g_assert_nonnull (strstr (err, "has no message tree"));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1); /* one line */
  g_assert_cmpuint (count (store, "conversations"), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* An export folder that cannot be made. */
  run_samantha (home, (const char *const[]){ "--export", "/proc/samantha-cannot", NULL }, &status,
                &out, &err);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (err, "samantha: "));
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/import/chatgpt-current-branch", test_chatgpt_current_branch);
  g_test_add_func ("/import/malformed", test_malformed);
  g_test_add_func ("/import/other-layouts", test_other_layouts);
  g_test_add_func ("/export/round-trip", test_round_trip);
  g_test_add_func ("/export/chatgpt-round-trip", test_chatgpt_round_trip);
  g_test_add_func ("/export/async", test_async);
  g_test_add_func ("/import-export/command-line", test_command_line);

  return g_test_run ();
}
