/* test-notifications.c — reply notifications against python-dbusmock's notification daemon.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GLib's freedesktop backend sends to org.freedesktop.Notifications, which python-dbusmock
 * serves on the test's private bus. Clicks are simulated the way the server reports them: an
 * ActionInvoked signal from the server, emitted through the mock's EmitSignal. */

#include "config.h"

#include <adwaita.h>

#include "desktop/sam-notifications.h"
#include "desktop/sam-tray.h"
#include "sam-application-desktop.h"
#include "sam-application.h"
#include "sam-test-server.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "store/sam-store.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-quick-reply-window.h"
#include "ui/sam-window.h"

#define NOTIFY_NAME  "org.freedesktop.Notifications"
#define NOTIFY_PATH  "/org/freedesktop/Notifications"
#define NOTIFY_IFACE "org.freedesktop.Notifications"
#define MOCK_IFACE   "org.freedesktop.DBus.Mock"

static SamApplication *app;
static SamTestServer  *server;
static GSubprocess    *daemon_process;
static gboolean        daemon_present;

static const char long_reply[] =
    "Here is a plan for three days in Lisbon.\n\n"
    "**Day one:** start in Alfama early, before the tour groups, and walk up to the "
    "Miradouro de Santa Luzia. Have lunch near the cathedral, then take tram 28 to Estrela.\n\n"
    "**Day two:** Belém, with the monastery, the tower and the custard tarts.";

static GtkWindow *
mapped_window (GType type)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
        return l->data;
    }

  return NULL;
}

static gboolean
window_is_mapped (gpointer data)
{
  return mapped_window (GPOINTER_TO_SIZE (data)) != NULL;
}

static void
close_windows (void)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))))
    gtk_window_destroy (windows->data);
  sam_test_ui_iterate (20);
}

/* Talking to the mock daemon. It is another process, so synchronous calls are fine. */

static GVariant *
mock_call (const char *method, GVariant *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (g_application_get_dbus_connection (G_APPLICATION (app)),
                                       NOTIFY_NAME, NOTIFY_PATH, MOCK_IFACE, method, parameters,
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

/* The arguments of every Notify the daemon received, oldest first. */
static GPtrArray *
notify_calls (void)
{
  g_autoptr (GVariant) reply = mock_call ("GetCalls", NULL);
  g_autoptr (GVariantIter) calls = NULL;
  GPtrArray  *notifies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  const char *method;
  GVariant   *args;

  g_variant_get (reply, "(a(tsav))", &calls);
  while (g_variant_iter_next (calls, "(t&s@av)", NULL, &method, &args))
    {
      if (g_str_equal (method, "Notify"))
        g_ptr_array_add (notifies, args);
      else
        g_variant_unref (args);
    }

  return notifies;
}

static gboolean
notify_count_reaches (gpointer data)
{
  g_autoptr (GPtrArray) calls = notify_calls ();

  return calls->len >= GPOINTER_TO_UINT (data);
}

static char *
notify_arg_string (GVariant *args, guint index)
{
  g_autoptr (GVariant) boxed = g_variant_get_child_value (args, index);
  g_autoptr (GVariant) value = g_variant_get_variant (boxed);

  return g_variant_dup_string (value, NULL);
}

static GStrv
notify_actions (GVariant *args)
{
  g_autoptr (GVariant) boxed = g_variant_get_child_value (args, 5);
  g_autoptr (GVariant) value = g_variant_get_variant (boxed);

  return g_variant_dup_strv (value, NULL);
}

/* What the server sends when the user clicks: the notification's ID and the action's key. */
static void
server_action_invoked (guint32 id, const char *action_key)
{
  g_autoptr (GVariant) reply = NULL;
  GVariantBuilder args;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_uint32 (id));
  g_variant_builder_add (&args, "v", g_variant_new_string (action_key));
  reply = mock_call ("EmitSignal",
                     g_variant_new ("(sssav)", NOTIFY_IFACE, "ActionInvoked", "us", &args));
}

/* Sends a notification for @conversation_id and returns the ID the server gave it; the mock
 * numbers them 1, 2, 3... */
static guint32
send_and_wait (const char *conversation_id, const char *title, GVariant **args_out)
{
  g_autoptr (GPtrArray) before = notify_calls ();
  g_autoptr (GPtrArray) after = NULL;

  g_assert_true (
      sam_notifications_reply_completed (G_APPLICATION (app), conversation_id, title, long_reply));
  g_assert_true (
      sam_test_ui_wait_for (notify_count_reaches, GUINT_TO_POINTER (before->len + 1), 5000));
  after = notify_calls ();
  *args_out = g_variant_ref (g_ptr_array_index (after, after->len - 1));

  return after->len;
}

static SamStore *
app_store (void)
{
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);

  g_assert_no_error (error);
  return store;
}

/* A conversation in the store; returns its ID as the notification actions carry it. */
static char *
create_conversation (const char *title, gint64 *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = NULL;

  conversation =
      sam_store_create_conversation (app_store (), title, SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  if (id != NULL)
    *id = sam_conversation_get_id (conversation);
  return g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (conversation));
}

static void
test_notifications_reply_button (void)
{
  g_autoptr (GVariant) args = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected_body = NULL;
  g_autofree char *conversation_id = NULL;
  g_autofree char *reply_action = NULL;
  g_auto (GStrv) actions = NULL;
  SamQuickReplyWindow *window;
  guint32              id;

  close_windows ();

  conversation_id = create_conversation ("Lisbon trip", NULL);
  reply_action = g_strdup_printf ("app.quick-reply-to::%s", conversation_id);
  id = send_and_wait (conversation_id, "Lisbon trip", &args);

  summary = notify_arg_string (args, 3);
  body = notify_arg_string (args, 4);
  actions = notify_actions (args);
  expected_body = sam_notifications_preview (long_reply, 140);
  g_assert_cmpstr (summary, ==, "Lisbon trip");
  g_assert_cmpstr (body, ==, expected_body);
  g_assert_true (
      g_str_has_prefix (body, "Here is a plan for three days in Lisbon. Day one: start"));
  g_assert_true (g_str_has_suffix (body, "…"));

  /* The body's default action, and a Reply button aimed at this conversation. */
  g_assert_cmpuint (g_strv_length (actions), ==, 4);
  g_assert_cmpstr (actions[0], ==, "default");
  g_assert_cmpstr (actions[2], ==, reply_action);
  g_assert_cmpstr (actions[3], ==, "Reply");

  /* The user presses Reply. */
  server_action_invoked (id, reply_action);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = SAM_QUICK_REPLY_WINDOW (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, conversation_id);
  g_assert_null (mapped_window (SAM_TYPE_WINDOW));

  close_windows ();
}

static gboolean
conversation_is_shown (gpointer data)
{
  GtkWindow *window = mapped_window (SAM_TYPE_WINDOW);
  SamChat   *chat;

  if (window == NULL)
    return FALSE;

  chat = sam_chat_view_get_chat (sam_window_get_chat_view (SAM_WINDOW (window)));
  return chat != NULL &&
         sam_conversation_get_id (sam_chat_get_conversation (chat)) == *(gint64 *) data;
}

static void
test_notifications_body_opens_conversation (void)
{
  g_autoptr (GVariant) args = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) conversation = NULL;
  g_autofree char *conversation_id = NULL;
  SamStore        *store;
  gint64           id;
  guint32          notification;

  close_windows ();

  store = sam_application_get_store (app, &error);
  g_assert_no_error (error);
  conversation =
      sam_store_create_conversation (store, "Dinner ideas", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  id = sam_conversation_get_id (conversation);
  conversation_id = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  notification = send_and_wait (conversation_id, NULL, &args);
  {
    g_autofree char *summary = notify_arg_string (args, 3);

    /* Without a title, it still says who answered. */
    g_assert_cmpstr (summary, ==, "Samantha replied");
  }

  /* The user clicks the notification itself: the main window opens on that conversation. */
  server_action_invoked (notification, "default");
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  g_assert_true (sam_test_ui_wait_for (conversation_is_shown, &id, 5000));
  g_assert_null (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));

  close_windows ();
}

static void
test_notifications_do_not_disturb (void)
{
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);

  close_windows ();
  before = notify_calls ();

  g_action_group_change_action_state (G_ACTION_GROUP (app), "do-not-disturb",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (g_settings_get_boolean (settings, "do-not-disturb"));

  g_assert_false (
      sam_notifications_reply_completed (G_APPLICATION (app), "conv-9", "Quiet", long_reply));
  sam_test_ui_iterate (300);
  after = notify_calls ();
  g_assert_cmpuint (after->len, ==, before->len);

  g_settings_reset (settings, "do-not-disturb");
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

static void
test_notifications_not_while_focused (void)
{
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  GtkWindow *window;

  close_windows ();
  before = notify_calls ();

  /* The user is looking at Samantha: the reply is on screen, no notification. */
  g_application_activate (G_APPLICATION (app));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  window = mapped_window (SAM_TYPE_WINDOW);
  g_assert_true (sam_test_ui_wait_for (window_is_active, window, 5000));

  g_assert_false (
      sam_notifications_reply_completed (G_APPLICATION (app), "conv-10", "Seen", long_reply));
  sam_test_ui_iterate (300);
  after = notify_calls ();
  g_assert_cmpuint (after->len, ==, before->len);

  close_windows ();
}

/* Replies that finish while nobody looks, from the real conversation windows. */

static gboolean
provider_ready (gpointer data)
{
  return sam_application_get_provider (app) != NULL;
}

static gboolean
chat_idle (gpointer data)
{
  return !sam_chat_get_busy (data);
}

static SamMessage *
last_message (SamChat *chat)
{
  GListModel *messages = sam_chat_get_messages (chat);
  guint       n = g_list_model_get_n_items (messages);

  g_assert_cmpuint (n, >, 0);
  return g_list_model_get_item (messages, n - 1);
}

static gboolean
chat_busy_with_text (gpointer data)
{
  g_autoptr (SamMessage) last = NULL;

  if (!sam_chat_get_busy (data))
    return FALSE;
  last = last_message (data);
  return sam_message_get_role (last) == SAM_MESSAGE_ROLE_ASSISTANT &&
         sam_message_get_content_length (last) > 0;
}

static gboolean
no_window (gpointer data)
{
  return gtk_application_get_windows (GTK_APPLICATION (app)) == NULL;
}

/* Types @text into @view's composer and sends it the way Enter does. */
static void
send_from (SamChatView *view, const char *text)
{
  GtkTextView *text_view = GTK_TEXT_VIEW (
      gtk_widget_get_template_child (GTK_WIDGET (view), SAM_TYPE_CHAT_VIEW, "text_view"));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (text_view), text, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "chat.send", NULL));
}

static const char *
tray_status (void)
{
  SamTray *tray = sam_application_desktop_get_tray (sam_application_get_desktop (app));

  g_assert_nonnull (tray);
  return sam_tray_get_status (tray);
}

static void
test_notifications_quick_reply_finishes_unseen (void)
{
  const char *chunks[] = { "Take ", "tram ", "28 ",   "up ",      "to ",     "the ", "castle, ",
                           "and ",  "walk ", "down ", "through ", "Alfama.", NULL };
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (SamChat) chat = NULL;
  g_autofree char *conversation_id = NULL;
  g_autofree char *reply_action = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_auto (GStrv) actions = NULL;
  SamQuickReplyWindow *window;
  SamChatView         *view;
  GVariant            *args;
  guint32              id;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  /* The user asks from quick reply... */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply", NULL);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = SAM_QUICK_REPLY_WINDOW (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));
  view = SAM_CHAT_VIEW (sam_quick_reply_window_get_conversation_widget (window));
  chat = g_object_ref (sam_chat_view_get_chat (view));
  conversation_id = g_strdup (sam_quick_reply_window_get_conversation_id (window));
  reply_action = g_strdup_printf ("app.quick-reply-to::%s", conversation_id);

  sam_test_server_set_reply (server, chunks, 60);
  send_from (view, "How do I get to the castle?");
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));

  /* ...and closes it before the answer is complete. Nothing is said while it streams. */
  before = notify_calls ();
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (sam_test_ui_wait_for (no_window, NULL, 2000));
  g_assert_true (sam_chat_get_busy (chat));
  g_assert_cmpstr (tray_status (), ==, "Active");

  /* The answer completes unseen: a notification, and the tray asks for attention. */
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  g_assert_true (
      sam_test_ui_wait_for (notify_count_reaches, GUINT_TO_POINTER (before->len + 1), 5000));
  after = notify_calls ();
  g_assert_cmpuint (after->len, ==, before->len + 1);
  id = after->len;
  args = g_ptr_array_index (after, after->len - 1);
  summary = notify_arg_string (args, 3);
  body = notify_arg_string (args, 4);
  actions = notify_actions (args);
  g_assert_cmpstr (summary, ==, "Quick Replies");
  g_assert_cmpstr (body, ==, "Take tram 28 up to the castle, and walk down through Alfama.");
  g_assert_cmpstr (actions[2], ==, reply_action);
  g_assert_cmpstr (tray_status (), ==, "NeedsAttention");

  /* Reply opens quick reply on that conversation, with the whole answer in it. */
  server_action_invoked (id, reply_action);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = SAM_QUICK_REPLY_WINDOW (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, conversation_id);
  view = SAM_CHAT_VIEW (sam_quick_reply_window_get_conversation_widget (window));
  g_assert_true (sam_chat_view_get_chat (view) == chat);
  {
    g_autoptr (SamMessage) reply = last_message (chat);

    g_assert_cmpint (sam_message_get_role (reply), ==, SAM_MESSAGE_ROLE_ASSISTANT);
    g_assert_cmpstr (sam_message_get_content (reply), ==, body);
  }
  g_assert_null (mapped_window (SAM_TYPE_WINDOW));

  /* Seeing it is enough: the tray calms down. */
  g_assert_true (sam_test_ui_wait_for (window_is_active, window, 5000));
  g_assert_cmpstr (tray_status (), ==, "Active");

  close_windows ();
}

static void
test_notifications_main_window_finishes_unseen (void)
{
  const char *chunks[] = { "Go ",   "early: ", "Pena ", "Palace ",    "first, ",
                           "then ", "Quinta ", "da ",   "Regaleira.", NULL };
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (SamChat) chat = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  SamWindow       *window;
  gint64           conversation;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  g_application_activate (G_APPLICATION (app));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  window = SAM_WINDOW (mapped_window (SAM_TYPE_WINDOW));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  chat = g_object_ref (sam_chat_view_get_chat (sam_window_get_chat_view (window)));
  conversation = sam_conversation_get_id (sam_chat_get_conversation (chat));

  sam_test_server_set_reply (server, chunks, 60);
  send_from (sam_window_get_chat_view (window), "Plan a day in Sintra");
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));

  before = notify_calls ();
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (sam_test_ui_wait_for (no_window, NULL, 2000));

  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  g_assert_true (
      sam_test_ui_wait_for (notify_count_reaches, GUINT_TO_POINTER (before->len + 1), 5000));
  after = notify_calls ();
  summary = notify_arg_string (g_ptr_array_index (after, after->len - 1), 3);
  body = notify_arg_string (g_ptr_array_index (after, after->len - 1), 4);
  g_assert_cmpstr (summary, ==, "Plan a day in Sintra");
  g_assert_cmpstr (body, ==, "Go early: Pena Palace first, then Quinta da Regaleira.");

  /* The body opens the conversation in the main window. */
  server_action_invoked (after->len, "default");
  g_assert_true (sam_test_ui_wait_for (conversation_is_shown, &conversation, 5000));

  close_windows ();
}

static void
test_notifications_not_for_replies_seen (void)
{
  const char *chunks[] = { "Yes, ", "bring ", "a ", "jacket.", NULL };
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (SamChat) chat = NULL;
  SamQuickReplyWindow *window;
  SamChatView         *view;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  g_action_group_activate_action (G_ACTION_GROUP (app), "quick-reply", NULL);
  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = SAM_QUICK_REPLY_WINDOW (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));
  g_assert_true (sam_test_ui_wait_for (window_is_active, window, 5000));
  view = SAM_CHAT_VIEW (sam_quick_reply_window_get_conversation_widget (window));
  chat = g_object_ref (sam_chat_view_get_chat (view));

  /* The user watches the reply arrive: nothing to tell them. */
  before = notify_calls ();
  sam_test_server_set_reply (server, chunks, 20);
  send_from (view, "Will it be cold in Lisbon tonight?");
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  sam_test_ui_iterate (300);
  after = notify_calls ();
  g_assert_cmpuint (after->len, ==, before->len);
  g_clear_pointer (&before, g_ptr_array_unref);
  g_clear_pointer (&after, g_ptr_array_unref);

  /* A reply that fails says so in the conversation, not in a notification. */
  sam_test_server_set_error (server, 500, "{\"error\":{\"message\":\"The server had an error\"}}");
  before = notify_calls ();
  send_from (view, "And tomorrow?");
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (sam_test_ui_wait_for (no_window, NULL, 2000));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  {
    g_autoptr (SamMessage) reply = last_message (chat);

    g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_FAILED);
  }
  sam_test_ui_iterate (300);
  after = notify_calls ();
  g_assert_cmpuint (after->len, ==, before->len);

  close_windows ();
}

static void
test_notifications_preview (void)
{
  g_autofree char *short_text = sam_notifications_preview ("  Hello,\n\n  world!  ", 140);
  g_autofree char *cut = sam_notifications_preview (long_reply, 60);
  g_autofree char *exact = sam_notifications_preview ("Abcdefghij", 10);
  g_autofree char *no_spaces = sam_notifications_preview ("Abcdefghijk", 10);
  g_autofree char *markdown =
      sam_notifications_preview ("# Plan\n\nUse `ls -l` and **always** 2 * 3.", 140);

  g_assert_cmpstr (short_text, ==, "Hello, world!");

  /* Cut between words, with an ellipsis, within the limit. */
  g_assert_cmpstr (cut, ==, "Here is a plan for three days in Lisbon. Day one: start in…");
  g_assert_cmpint (g_utf8_strlen (cut, -1), <=, 60);

  /* What fits is kept whole; a single long word is cut where it must be. */
  g_assert_cmpstr (exact, ==, "Abcdefghij");
  g_assert_cmpstr (no_spaces, ==, "Abcdefghi…");

  g_assert_cmpstr (markdown, ==, "Plan Use ls -l and always 2 * 3.");
}

static void
daemon_appeared_cb (GDBusConnection *connection,
                    const char      *name,
                    const char      *name_owner,
                    gpointer         user_data)
{
  daemon_present = TRUE;
}

static gboolean
daemon_is_present (gpointer data)
{
  return daemon_present;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  guint watch;
  int   ret;

  /* GNOME Shell's org.gtk.Notifications is not on the private bus; talk to the daemon. */
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  /* The distribution's python3, which has python3-dbusmock. */
  daemon_process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "/usr/bin/python3",
                                     "-m", "dbusmock", "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  watch = g_bus_watch_name (G_BUS_TYPE_SESSION, NOTIFY_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                            daemon_appeared_cb, NULL, NULL, NULL);
  g_assert_true (sam_test_ui_wait_for (daemon_is_present, NULL, 20000));
  g_bus_unwatch_name (watch);

  server = sam_test_server_new ();
  g_setenv ("SAMANTHA_PROVIDER", "openai", TRUE);
  g_setenv ("SAMANTHA_BASE_URL", sam_test_server_get_base_url (server), TRUE);
  g_setenv ("SAMANTHA_MODEL", "test-model", TRUE);
  g_setenv ("SAMANTHA_API_KEY", "sk-test-key", TRUE);

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/notifications/preview", test_notifications_preview);
  g_test_add_func ("/notifications/reply-button", test_notifications_reply_button);
  g_test_add_func ("/notifications/body-opens-conversation",
                   test_notifications_body_opens_conversation);
  g_test_add_func ("/notifications/do-not-disturb", test_notifications_do_not_disturb);
  g_test_add_func ("/notifications/not-while-focused", test_notifications_not_while_focused);
  g_test_add_func ("/notifications/quick-reply-finishes-unseen",
                   test_notifications_quick_reply_finishes_unseen);
  g_test_add_func ("/notifications/main-window-finishes-unseen",
                   test_notifications_main_window_finishes_unseen);
  g_test_add_func ("/notifications/not-for-replies-seen", test_notifications_not_for_replies_seen);

  ret = g_test_run ();

  close_windows ();
  g_clear_object (&app);
  g_subprocess_force_exit (daemon_process);
  g_clear_object (&daemon_process);
  g_clear_pointer (&server, sam_test_server_free);
  return ret;
}
