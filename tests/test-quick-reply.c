/* test-quick-reply.c — the quick-reply window: command line, D-Bus, the conversation, keys, looks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A real window under Xvfb, a real store in a private home and a real HTTP server on
 * 127.0.0.1 streaming replies. Keys are pressed the way the X server delivers them, through
 * XTest, into the window that has the input focus. */

#include "config.h"

#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <adwaita.h>
#include <gdk/x11/gdkx.h>

#include "sam-application-desktop.h"
#include "sam-application.h"
#include "sam-test-server.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-quick-reply-window.h"
#include "ui/sam-window.h"

static SamApplication *app;
static SamTestServer  *server;
static Display        *display;

static GtkWidget *
template_child (gpointer widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

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

static guint
count_windows (GType type)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        n++;
    }

  return n;
}

static gboolean
window_is_mapped (gpointer data)
{
  return mapped_window (GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
no_window_of_type (gpointer data)
{
  return count_windows (GPOINTER_TO_SIZE (data)) == 0;
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

static SamQuickReplyWindow *
wait_for_quick_reply (void)
{
  GtkWindow *window;

  g_assert_true (sam_test_ui_wait_for (window_is_mapped,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 5000));
  window = mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return SAM_QUICK_REPLY_WINDOW (window);
}

static SamQuickReplyWindow *
open_quick_reply (const char *action, GVariant *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), action, parameter);
  return wait_for_quick_reply ();
}

static void
close_windows (void)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))))
    gtk_window_destroy (windows->data);
  sam_test_ui_iterate (20);
}

static SamStore *
app_store (void)
{
  g_autoptr (GError) error = NULL;
  SamStore *store = sam_application_get_store (app, &error);

  g_assert_no_error (error);
  return store;
}

static SamChatView *
chat_view (SamQuickReplyWindow *window)
{
  GtkWidget *view = sam_quick_reply_window_get_conversation_widget (window);

  g_assert_true (SAM_IS_CHAT_VIEW (view));
  return SAM_CHAT_VIEW (view);
}

static SamChat *
quick_chat (SamQuickReplyWindow *window)
{
  SamChat *chat = sam_chat_view_get_chat (chat_view (window));

  g_assert_nonnull (chat);
  g_assert_true (sam_chat_get_conversation (chat) ==
                 sam_quick_reply_window_get_conversation (window));
  return chat;
}

static GtkTextBuffer *
composer (SamQuickReplyWindow *window)
{
  return gtk_text_view_get_buffer (
      GTK_TEXT_VIEW (template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "text_view")));
}

static char *
composer_text (SamQuickReplyWindow *window)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (composer (window), &start, &end);
  return gtk_text_buffer_get_text (composer (window), &start, &end, FALSE);
}

static gint64
conversation_id (SamQuickReplyWindow *window)
{
  SamConversation *conversation = sam_quick_reply_window_get_conversation (window);
  g_autofree char *expected = NULL;

  g_assert_nonnull (conversation);
  expected = g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (conversation));
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, expected);
  return sam_conversation_get_id (conversation);
}

static void
assert_quick_replies (SamQuickReplyWindow *window)
{
  SamConversation *conversation = sam_quick_reply_window_get_conversation (window);

  g_assert_nonnull (conversation);
  g_assert_cmpint (sam_conversation_get_kind (conversation), ==, SAM_CONVERSATION_KIND_QUICK_REPLY);
  g_assert_cmpstr (sam_conversation_get_title (conversation), ==, "Quick Replies");
  g_assert_false (sam_conversation_get_deleted (conversation));
}

static guint
count_quick_replies_conversations (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) conversations = sam_store_list_conversations (app_store (), &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < conversations->len; i++)
    {
      if (sam_conversation_get_kind (g_ptr_array_index (conversations, i)) ==
          SAM_CONVERSATION_KIND_QUICK_REPLY)
        n++;
    }

  return n;
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
  SamChat *chat = data;
  g_autoptr (SamMessage) last = NULL;

  if (!sam_chat_get_busy (chat))
    return FALSE;
  last = last_message (chat);
  return sam_message_get_role (last) == SAM_MESSAGE_ROLE_ASSISTANT &&
         sam_message_get_content_length (last) > 0;
}

static gboolean
provider_ready (gpointer data)
{
  return sam_application_get_provider (app) != NULL;
}

/* Keys, as the X server delivers them to the window with the input focus. */

static void
focus_window (GtkWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  /* What a window manager does when a window is presented. */
  XSetInputFocus (display, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  XFlush (display);
  g_assert_true (sam_test_ui_wait_for (window_is_active, window, 5000));
}

static void
press_key (KeySym keysym)
{
  KeyCode keycode = XKeysymToKeycode (display, keysym);

  g_assert_cmpuint (keycode, !=, 0);
  XTestFakeKeyEvent (display, keycode, True, CurrentTime);
  XTestFakeKeyEvent (display, keycode, False, CurrentTime);
  XFlush (display);
}

static void
type_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    press_key (*p == ' ' ? XK_space : (KeySym) *p);
}

typedef struct
{
  SamQuickReplyWindow *window;
  const char          *text;
} Typed;

static gboolean
composer_has_text (gpointer data)
{
  Typed           *typed = data;
  g_autofree char *text = composer_text (typed->window);

  return g_strcmp0 (text, typed->text) == 0;
}

/* The command line and D-Bus. */

typedef struct
{
  gboolean done;
  gboolean success;
  GError  *error;
} Wait;

static void
process_exited_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->success = g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
wait_is_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
test_quick_reply_command_line (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;
  SamQuickReplyWindow *window;
  Wait                 wait = { 0 };
  gint64               start;

  close_windows ();

  /* The real binary finds this process, which owns the app ID on the bus, and hands over. */
  start = g_get_monotonic_time ();
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SAMANTHA_EXE"),
                              "--quick-reply", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_exited_cb, &wait);

  window = wait_for_quick_reply ();
  g_test_message ("samantha --quick-reply → window in the running instance after %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  assert_quick_replies (window);

  /* The second process exits at once and successfully; no main window was opened here. */
  g_assert_true (sam_test_ui_wait_for (wait_is_done, &wait, 5000));
  g_assert_no_error (wait.error);
  g_assert_true (wait.success);
  g_assert_cmpuint (count_windows (SAM_TYPE_WINDOW), ==, 0);

  /* Again: the one window comes back rather than a second one. */
  g_clear_object (&process);
  wait = (Wait){ 0 };
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("SAMANTHA_EXE"),
                              "--quick-reply", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (process, NULL, process_exited_cb, &wait);
  g_assert_true (sam_test_ui_wait_for (wait_is_done, &wait, 5000));
  g_assert_true (wait.success);
  sam_test_ui_iterate (50);
  g_assert_cmpuint (count_windows (SAM_TYPE_QUICK_REPLY_WINDOW), ==, 1);
}

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} Call;

static void
call_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &call->error);
  call->done = TRUE;
}

/* What GNOME Shell sends for the desktop file's "Quick Reply" action (DBusActivatable=true):
 * org.freedesktop.Application.ActivateAction, here from a connection of its own. */
static void
activate_action_over_dbus (GDBusConnection *connection, const char *action, GVariant *parameter)
{
  GVariantBuilder parameters;
  Call            call = { 0 };

  g_variant_builder_init (&parameters, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&parameters, "v", parameter);

  g_dbus_connection_call (connection, APP_ID, "/io/github/samanthaos/Samantha",
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sava{sv})", action, &parameters, NULL), NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, call_done_cb, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (call.error);
  g_variant_unref (call.reply);
}

static void
test_quick_reply_desktop_action (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) shell = NULL;
  g_autoptr (SamConversation) trip = NULL;
  g_autofree char     *address = NULL;
  g_autofree char     *trip_id = NULL;
  SamQuickReplyWindow *window;
  AdwWindowTitle      *title;
  gint64               quick_replies;

  close_windows ();

  trip = sam_store_create_conversation (app_store (), "Lisbon trip", SAM_CONVERSATION_KIND_NORMAL,
                                        &error);
  g_assert_no_error (error);
  trip_id = g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (trip));

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  shell =
      g_dbus_connection_new_for_address_sync (address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);

  /* The desktop action comes without a parameter: the "Quick replies" conversation, and the
   * title says all there is to say. */
  activate_action_over_dbus (shell, "quick-reply", NULL);
  window = wait_for_quick_reply ();
  assert_quick_replies (window);
  quick_replies = conversation_id (window);
  title = ADW_WINDOW_TITLE (template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "window_title"));
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "Quick Reply");
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "");

  /* A notification's Reply button names a conversation; the same window switches to it, and
   * names it under the title. */
  activate_action_over_dbus (shell, "quick-reply-to", g_variant_new_string (trip_id));
  sam_test_ui_iterate (20);
  g_assert_cmpuint (count_windows (SAM_TYPE_QUICK_REPLY_WINDOW), ==, 1);
  g_assert_true (sam_quick_reply_window_get_conversation (window) == trip);
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, trip_id);
  g_assert_true (sam_chat_get_conversation (quick_chat (window)) == trip);
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "Lisbon trip");
  g_assert_true (
      window == sam_application_desktop_get_quick_reply_window (sam_application_get_desktop (app)));

  /* The subtitle follows a rename. */
  g_assert_true (sam_store_rename_conversation (app_store (), trip, "Porto trip", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "Porto trip");

  /* A conversation that is gone (or never was) falls back to the "Quick replies" one. */
  activate_action_over_dbus (shell, "quick-reply-to", g_variant_new_string ("999999"));
  sam_test_ui_iterate (20);
  g_assert_cmpint (conversation_id (window), ==, quick_replies);
  g_assert_true (sam_store_delete_conversation (app_store (), trip, &error));
  activate_action_over_dbus (shell, "quick-reply-to", g_variant_new_string (trip_id));
  sam_test_ui_iterate (20);
  g_assert_cmpint (conversation_id (window), ==, quick_replies);
  activate_action_over_dbus (shell, "quick-reply-to", g_variant_new_string ("conv-3"));
  sam_test_ui_iterate (20);
  g_assert_cmpint (conversation_id (window), ==, quick_replies);

  g_dbus_connection_close_sync (shell, NULL, NULL);
  close_windows ();
}

/* The "Quick replies" conversation. */

static void
test_quick_reply_conversation (void)
{
  g_autoptr (GError) error = NULL;
  SamQuickReplyWindow *window;
  SamConversation     *conversation;
  gint64               first;

  close_windows ();

  /* Found in the store every time, never created twice. */
  window = open_quick_reply ("quick-reply", NULL);
  assert_quick_replies (window);
  first = conversation_id (window);
  close_windows ();
  window = open_quick_reply ("quick-reply", NULL);
  g_assert_cmpint (conversation_id (window), ==, first);
  g_assert_cmpuint (count_quick_replies_conversations (), ==, 1);

  /* The main window can show it like any other conversation. */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "quick-reply.open-in-samantha", NULL));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  {
    SamWindow *main_window = SAM_WINDOW (mapped_window (SAM_TYPE_WINDOW));
    SamChat   *chat = sam_chat_view_get_chat (sam_window_get_chat_view (main_window));

    g_assert_nonnull (chat);
    g_assert_cmpint (sam_conversation_get_id (sam_chat_get_conversation (chat)), ==, first);
  }
  close_windows ();

  /* Deleted from the sidebar, it is made again on the next quick reply. */
  conversation = sam_store_get_conversation (app_store (), first, &error);
  g_assert_no_error (error);
  g_assert_true (sam_store_delete_conversation (app_store (), conversation, &error));
  g_assert_no_error (error);
  g_object_unref (conversation);
  window = open_quick_reply ("quick-reply", NULL);
  assert_quick_replies (window);
  g_assert_cmpint (conversation_id (window), !=, first);
  g_assert_cmpuint (count_quick_replies_conversations (), ==, 1);
  close_windows ();
}

/* Keyboard first: typed text lands in the composer, Enter sends, Escape stops a reply that
 * streams and otherwise closes. */
static void
test_quick_reply_keyboard (void)
{
  const char *chunks[] = { "Lisbon ", "is ",   "on ",      "Western ", "European ", "Time, ",
                           "one ",    "hour ", "behind ",  "Paris, ",  "so ",       "it ",
                           "is ",     "ten ",  "o'clock ", "there ",   "now.",      NULL };
  g_autoptr (SamMessage) question = NULL;
  g_autoptr (SamMessage) reply = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GError) error = NULL;
  SamQuickReplyWindow *window;
  SamChat             *chat;
  Typed                typed;
  guint                n_before;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  window = open_quick_reply ("quick-reply", NULL);
  chat = quick_chat (window);
  n_before = g_list_model_get_n_items (sam_chat_get_messages (chat));

  /* Ready for typing at once: the composer has the focus. */
  g_assert_true (GTK_IS_TEXT_VIEW (gtk_window_get_focus (GTK_WINDOW (window))));
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (window)) ==
                 template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "text_view"));
  g_assert_false (gtk_widget_get_sensitive (
      template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "send_button")));

  focus_window (GTK_WINDOW (window));
  typed = (Typed){ window, "what time is it in lisbon" };
  type_text (typed.text);
  g_assert_true (sam_test_ui_wait_for (composer_has_text, &typed, 5000));

  /* Enter sends: the question is stored, the composer empties, the reply streams. */
  sam_test_server_set_reply (server, chunks, 120);
  press_key (XK_Return);
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, n_before + 2);
  question = g_list_model_get_item (sam_chat_get_messages (chat), n_before);
  g_assert_cmpint (sam_message_get_role (question), ==, SAM_MESSAGE_ROLE_USER);
  g_assert_cmpstr (sam_message_get_content (question), ==, "what time is it in lisbon");
  {
    g_autofree char *text = composer_text (window);
    g_assert_cmpstr (text, ==, "");
  }

  /* Escape while the reply streams stops it, and the window stays. */
  press_key (XK_Escape);
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  reply = last_message (chat);
  g_assert_cmpstr (sam_message_get_finish_reason (reply), ==, "stopped");
  g_assert_true (g_str_has_prefix (sam_message_get_content (reply), "Lisbon "));
  g_assert_false (g_str_has_suffix (sam_message_get_content (reply), "now."));
  sam_test_ui_iterate (100);
  g_assert_nonnull (mapped_window (SAM_TYPE_QUICK_REPLY_WINDOW));

  /* Both are in the "Quick replies" conversation, read back from the store. */
  stored =
      sam_store_get_recent_messages (app_store (), sam_chat_get_conversation (chat), 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);
  g_assert_cmpstr (sam_message_get_content (g_ptr_array_index (stored, 0)), ==,
                   "what time is it in lisbon");
  g_assert_cmpstr (sam_message_get_content (g_ptr_array_index (stored, 1)), ==,
                   sam_message_get_content (reply));

  /* Escape with nothing streaming closes the window. */
  press_key (XK_Escape);
  g_assert_true (sam_test_ui_wait_for (no_window_of_type,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  g_assert_null (
      sam_application_desktop_get_quick_reply_window (sam_application_get_desktop (app)));
}

static void
test_quick_reply_open_in_samantha (void)
{
  const char *chunks[] = { "Start ", "with ", "the ", "castle, ", "then ", "walk ",
                           "down ",  "to ",   "the ", "river.",   NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (SamConversation) trip = NULL;
  g_autofree char     *trip_id = NULL;
  SamQuickReplyWindow *window;
  SamWindow           *main_window;
  SamChat             *chat;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));
  trip =
      sam_store_create_conversation (app_store (), "Prague", SAM_CONVERSATION_KIND_NORMAL, &error);
  g_assert_no_error (error);
  trip_id = g_strdup_printf ("%" G_GINT64_FORMAT, sam_conversation_get_id (trip));

  window = open_quick_reply ("quick-reply-to", g_variant_new_string (trip_id));
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, trip_id);
  chat = g_object_ref (quick_chat (window));

  sam_test_server_set_reply (server, chunks, 100);
  gtk_text_buffer_set_text (composer (window), "Where do I start in Prague?", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat_view (window)), "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));

  /* The conversation moves to the main window mid-reply, still streaming there, and quick
   * reply is done. */
  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "quick-reply.open-in-samantha", NULL));
  g_assert_true (sam_test_ui_wait_for (window_is_mapped, GSIZE_TO_POINTER (SAM_TYPE_WINDOW), 5000));
  g_assert_true (sam_test_ui_wait_for (no_window_of_type,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  main_window = SAM_WINDOW (mapped_window (SAM_TYPE_WINDOW));
  g_assert_true (sam_chat_view_get_chat (sam_window_get_chat_view (main_window)) == chat);
  g_assert_true (sam_chat_get_busy (chat));

  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  {
    g_autoptr (SamMessage) reply = last_message (chat);

    g_assert_cmpstr (sam_message_get_content (reply), ==,
                     "Start with the castle, then walk down to the river.");
    g_assert_cmpint (sam_message_get_state (reply), ==, SAM_MESSAGE_STATE_COMPLETE);
  }

  g_object_unref (chat);
  close_windows ();
}

/* Closing quick reply does not cut a reply short: it is stored whole. */
static void
test_quick_reply_close_keeps_streaming (void)
{
  const char *chunks[] = { "Boil ", "the ", "water ", "first, ", "then ", "add ", "salt.", NULL };
  SamQuickReplyWindow *window;
  SamChat             *chat;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  window = open_quick_reply ("quick-reply", NULL);
  chat = g_object_ref (quick_chat (window));
  sam_test_server_set_reply (server, chunks, 80);
  gtk_text_buffer_set_text (composer (window), "How do I cook pasta?", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat_view (window)), "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_busy_with_text, chat, 5000));

  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (sam_test_ui_wait_for (no_window_of_type,
                                       GSIZE_TO_POINTER (SAM_TYPE_QUICK_REPLY_WINDOW), 2000));
  g_assert_true (sam_chat_get_busy (chat));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 10000));
  {
    g_autoptr (SamMessage) reply = last_message (chat);

    g_assert_cmpstr (sam_message_get_content (reply), ==, "Boil the water first, then add salt.");
    g_assert_cmpstr (sam_message_get_finish_reason (reply), ==, "stop");
  }
  g_object_unref (chat);
}

static void
test_quick_reply_looks (void)
{
  const char *chunks[] = { "How about a **lemon pasta**? You need:\n\n",
                           "- spaghetti\n",
                           "- one lemon\n",
                           "- parmesan and black pepper\n\n",
                           "It is ready in about fifteen minutes.",
                           NULL };
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  AdwStyleManager     *style_manager = adw_style_manager_get_default ();
  SamQuickReplyWindow *window;
  SamChat             *chat;
  GtkWidget           *ai_label;
  g_autofree char     *light = NULL;
  g_autofree char     *dark = NULL;
  int                  width, height;

  close_windows ();
  g_assert_true (sam_test_ui_wait_for (provider_ready, NULL, 5000));

  /* A conversation of its own, so the picture shows one exchange. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (SamConversation) conversation = NULL;
    g_autoptr (SamConversation) quick_replies = NULL;

    window = open_quick_reply ("quick-reply", NULL);
    quick_replies = g_object_ref (sam_quick_reply_window_get_conversation (window));
    close_windows ();
    g_assert_true (sam_store_delete_conversation (app_store (), quick_replies, &error));
    g_assert_no_error (error);
  }

  window = open_quick_reply ("quick-reply", NULL);
  chat = quick_chat (window);
  g_assert_cmpuint (g_list_model_get_n_items (sam_chat_get_messages (chat)), ==, 0);

  /* Small, but not cramped. */
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, <=, 480);
  g_assert_cmpint (height, <=, 600);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 480);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Quick Reply");

  /* Always says what it is. */
  ai_label = template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "ai_label");
  g_assert_true (gtk_widget_is_drawable (ai_label));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (ai_label)),
                                   "Samantha is an AI, not a person"));

  /* By the name the installation gave the companion, when it has another. */
  g_settings_set_string (settings, "companion-name", "Wren");
  window = open_quick_reply ("quick-reply", NULL);
  ai_label = template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "ai_label");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ai_label)), ==,
                   "Wren is an AI, not a person. It can be wrong.");
  g_settings_reset (settings, "companion-name");
  window = open_quick_reply ("quick-reply", NULL);
  chat = quick_chat (window);
  ai_label = template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "ai_label");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (ai_label)),
                                   "Samantha is an AI, not a person"));

  gtk_test_accessible_assert_role (
      GTK_ACCESSIBLE (template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "open_button")),
      GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "open_button")),
      GTK_ACCESSIBLE_PROPERTY_LABEL, "Open in Samantha");
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "send_button")),
      GTK_ACCESSIBLE_PROPERTY_LABEL, "Send");
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "text_view")),
      GTK_ACCESSIBLE_PROPERTY_LABEL, "Message");

  /* A small window gets the compact welcome. */
  g_assert_true (gtk_widget_has_css_class (
      template_child (chat_view (window), SAM_TYPE_CHAT_VIEW, "empty_page"), "compact"));
  light = sam_test_ui_save_png (GTK_WIDGET (window), "quick-reply-empty");
  g_test_message ("screenshot: %s", light);
  g_clear_pointer (&light, g_free);

  sam_test_server_set_reply (server, chunks, 5);
  gtk_text_buffer_set_text (composer (window), "What should I cook tonight?", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chat_view (window)), "chat.send", NULL));
  g_assert_true (sam_test_ui_wait_for (chat_idle, chat, 5000));
  gtk_text_buffer_set_text (composer (window), "And for dessert?", -1);

  sam_test_ui_iterate (200);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  light = sam_test_ui_save_png (GTK_WIDGET (window), "quick-reply");
  g_test_message ("screenshot: %s", light);

  g_settings_set_string (settings, "color-scheme", "force-dark");
  g_assert_true (adw_style_manager_get_dark (style_manager));
  sam_test_ui_iterate (200);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  dark = sam_test_ui_save_png (GTK_WIDGET (window), "quick-reply-dark");
  g_test_message ("screenshot: %s", dark);

  g_settings_reset (settings, "color-scheme");
  close_windows ();
}

static void
test_quick_reply_placeholder (void)
{
  g_autoptr (GtkWidget) view = g_object_ref_sink (gtk_label_new ("a conversation view"));
  SamQuickReplyWindow *window;
  GtkWidget           *placeholder;
  GtkWidget           *chat;

  close_windows ();
  window = open_quick_reply ("quick-reply", NULL);
  placeholder = template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "placeholder");
  chat = sam_quick_reply_window_get_conversation_widget (window);
  g_assert_false (gtk_widget_get_visible (placeholder));
  g_assert_true (gtk_widget_get_mapped (chat));

  /* Another conversation view takes the place of the first. */
  sam_quick_reply_window_set_conversation_widget (window, view);
  g_assert_true (gtk_widget_get_ancestor (view, SAM_TYPE_QUICK_REPLY_WINDOW) ==
                 GTK_WIDGET (window));
  g_assert_true (gtk_widget_get_vexpand (view));
  g_assert_false (gtk_widget_get_visible (placeholder));

  /* Without a conversation, the window says why, and has nothing to open. */
  sam_quick_reply_window_show_error (window, "The disk is full.");
  g_assert_null (gtk_widget_get_parent (view));
  g_assert_null (sam_quick_reply_window_get_conversation_widget (window));
  g_assert_true (gtk_widget_get_visible (placeholder));
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (placeholder)), ==,
                   "The disk is full.");
  g_assert_cmpstr (sam_quick_reply_window_get_conversation_id (window), ==, "");
  g_assert_false (gtk_widget_get_sensitive (
      template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "open_button")));

  /* Opening it again brings the conversation back. */
  window = open_quick_reply ("quick-reply", NULL);
  assert_quick_replies (window);
  g_assert_true (SAM_IS_CHAT_VIEW (sam_quick_reply_window_get_conversation_widget (window)));
  g_assert_false (gtk_widget_get_visible (placeholder));
  g_assert_true (gtk_widget_get_sensitive (
      template_child (window, SAM_TYPE_QUICK_REPLY_WINDOW, "open_button")));
  close_windows ();
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSettings) settings = NULL;
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  display = XOpenDisplay (NULL);
  g_assert_nonnull (display);

  server = sam_test_server_new ();
  g_setenv ("SAMANTHA_PROVIDER", "openai", TRUE);
  g_setenv ("SAMANTHA_BASE_URL", sam_test_server_get_base_url (server), TRUE);
  g_setenv ("SAMANTHA_MODEL", "test-model", TRUE);
  g_setenv ("SAMANTHA_API_KEY", "sk-test-key", TRUE);

  /* No notification daemon here: replies that finish unseen are tested in test-notifications. */
  settings = g_settings_new (APP_ID);
  g_settings_set_boolean (settings, "do-not-disturb", TRUE);

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/quick-reply/command-line", test_quick_reply_command_line);
  g_test_add_func ("/quick-reply/desktop-action", test_quick_reply_desktop_action);
  g_test_add_func ("/quick-reply/conversation", test_quick_reply_conversation);
  g_test_add_func ("/quick-reply/keyboard", test_quick_reply_keyboard);
  g_test_add_func ("/quick-reply/open-in-samantha", test_quick_reply_open_in_samantha);
  g_test_add_func ("/quick-reply/close-keeps-streaming", test_quick_reply_close_keeps_streaming);
  g_test_add_func ("/quick-reply/looks", test_quick_reply_looks);
  g_test_add_func ("/quick-reply/placeholder", test_quick_reply_placeholder);

  ret = g_test_run ();

  close_windows ();
  g_clear_object (&app);
  g_clear_pointer (&server, sam_test_server_free);
  XCloseDisplay (display);
  return ret;
}
