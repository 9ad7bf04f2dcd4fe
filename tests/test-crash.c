/* test-crash.c — a reply cut off by a crash keeps every word already written.
 *
 * A real `samantha --ask` process streams from a slow server on 127.0.0.1 and is killed with
 * SIGKILL in the middle of the reply. The store must then hold the question and the part of
 * the reply that had arrived, and mark that reply interrupted when it is opened again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "sam-test-server.h"
#include "sam-test-util.h"
#include "store/sam-message-list.h"
#include "store/sam-store.h"

typedef struct
{
  GString *out;
  gboolean exited;
} Child;

static void read_cb (GObject *stream, GAsyncResult *result, gpointer user_data);

static void
read_more (GInputStream *stream, Child *child)
{
  g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT, NULL, read_cb, child);
}

static void
read_cb (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (stream), result, NULL);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return;

  g_string_append_len (child->out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (G_INPUT_STREAM (stream), child);
}

static void
wait_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  child->exited = TRUE;
}

static void
test_crash_keeps_partial_reply (void)
{
  const char *chunks[] = { "One ",      "two ",      "three ",   "four ", "five ",   "six ",
                           "seven ",    "eight ",    "nine ",    "ten ",  "eleven ", "twelve ",
                           "thirteen ", "fourteen ", "fifteen ", NULL };
  g_autoptr (SamTestServer) server = sam_test_server_new ();
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamStore) store = NULL;
  g_autoptr (GPtrArray) conversations = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  SamMessage *question, *reply;
  Child       child = { g_string_new (NULL), FALSE };
  gint64      deadline;

  /* 15 chunks 200 ms apart: three seconds of reply, of which the process sees about half. */
  sam_test_server_set_reply (server, chunks, 200);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_PROVIDER", "openai", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_BASE_URL",
                                sam_test_server_get_base_url (server), TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_MODEL", "test-model", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_API_KEY", "sk-test", TRUE);

  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SAMANTHA_EXE"), "--ask",
                                         "Count slowly to fifteen, please.", NULL);
  g_assert_no_error (error);
  read_more (g_subprocess_get_stdout_pipe (process), &child);
  g_subprocess_wait_async (process, NULL, wait_cb, &child);

  /* Kill it once more than a checkpoint interval of reply has arrived. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (strstr (child.out->str, "eight ") == NULL && !child.exited &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (child.exited);
  g_assert_nonnull (strstr (child.out->str, "eight "));

  g_subprocess_send_signal (process, SIGKILL);
  while (!child.exited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);

  /* Opening the store again finds the question and the reply so far. */
  store = sam_store_new (&error);
  g_assert_no_error (error);
  conversations = sam_store_list_conversations (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (conversations->len, ==, 1);

  messages =
      sam_store_get_recent_messages (store, g_ptr_array_index (conversations, 0), 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);

  question = g_ptr_array_index (messages, 0);
  g_assert_cmpint (sam_message_get_role (question), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (question), ==, "Count slowly to fifteen, please.");

  reply = g_ptr_array_index (messages, 1);
  g_assert_cmpint (sam_message_get_role (reply), ==, SAM_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_INTERRUPTED);
  g_test_message ("printed before the kill: \"%s\"; stored: \"%s\"", child.out->str,
                  sam_message_get_content (reply));
  g_assert_true (g_str_has_prefix (sam_message_get_content (reply), "One two three four "));
  g_assert_true (g_str_has_prefix (child.out->str, sam_message_get_content (reply)));

  g_string_free (child.out, TRUE);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash/sigkill-keeps-partial-reply", test_crash_keeps_partial_reply);

  return g_test_run ();
}
