/* test-window.c — the main window under Xvfb: first draw, accessibility, actions, screenshots.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "sam-application.h"
#include "sam-test-ui.h"
#include "sam-test-util.h"
#include "companion/sam-chat.h"
#include "ui/sam-chat-view.h"
#include "ui/sam-preferences-window.h"
#include "ui/sam-window.h"

static SamApplication *app;

static GtkWidget *
template_child (gpointer widget, const char *name)
{
  GObject *child =
      gtk_widget_get_template_child (GTK_WIDGET (widget), G_OBJECT_TYPE (widget), name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static SamWindow *
main_window (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (SAM_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static GtkWindow *
find_window (GType type)
{
  for (GList *l = gtk_window_list_toplevels (); l; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
        {
          GtkWindow *window = l->data;
          g_list_free (l);
          return window;
        }
    }
  return NULL;
}

static gboolean
window_is_drawn (gpointer data)
{
  return find_window (GPOINTER_TO_SIZE (data)) != NULL &&
         gtk_widget_get_mapped (GTK_WIDGET (find_window (GPOINTER_TO_SIZE (data))));
}

static GtkWindow *
wait_for_window (GType type)
{
  GtkWindow *window;

  g_assert_true (sam_test_ui_wait_for (window_is_drawn, GSIZE_TO_POINTER (type), 5000));
  window = find_window (type);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return window;
}

static SamWindow *
open_main_window (void)
{
  SamWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = main_window ();
  g_assert_true (SAM_IS_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return window;
}

static void
test_window_first_draw (void)
{
  SamWindow       *window = open_main_window ();
  g_autofree char *png = NULL;
  GtkWidget       *welcome;
  GtkWidget       *description;

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Samantha");

  /* With no conversations, both panes show real empty states. */
  g_assert_cmpstr (
      gtk_stack_get_visible_child_name (GTK_STACK (template_child (window, "sidebar_stack"))), ==,
      "empty");
  welcome = template_child (window, "welcome_page");
  description = template_child (window, "welcome_description");
  g_assert_true (gtk_widget_is_drawable (welcome));
  g_assert_true (GTK_IS_LABEL (description));
  g_assert_true (gtk_widget_is_ancestor (description, welcome));
  g_assert_true (gtk_widget_is_drawable (description));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (description)), "not a person"));

  png = sam_test_ui_save_png (GTK_WIDGET (window), "window");
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  g_test_message ("screenshot: %s", png);
}

static void
test_window_accessibility (void)
{
  SamWindow *window = open_main_window ();

  gtk_test_accessible_assert_role (
      GTK_ACCESSIBLE (template_child (window, "new_conversation_button")),
      GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (window, "new_conversation_button")),
      GTK_ACCESSIBLE_PROPERTY_LABEL, "New Conversation");

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (template_child (window, "search_button")),
                                   GTK_ACCESSIBLE_ROLE_BUTTON);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (template_child (window, "search_button")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Search Conversations");

  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (window, "primary_menu_button")),
      GTK_ACCESSIBLE_PROPERTY_LABEL, "Main Menu");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (template_child (window, "search_entry")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Search all messages");

  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (template_child (window, "conversation_list")),
                                   GTK_ACCESSIBLE_ROLE_LIST);
  gtk_test_accessible_assert_property (
      GTK_ACCESSIBLE (template_child (window, "conversation_list")), GTK_ACCESSIBLE_PROPERTY_LABEL,
      "Conversations");
}

static void
test_window_search_action (void)
{
  SamWindow       *window = open_main_window ();
  GtkSearchBar    *search_bar = GTK_SEARCH_BAR (template_child (window, "search_bar"));
  GtkToggleButton *search_button = GTK_TOGGLE_BUTTON (template_child (window, "search_button"));
  GtkWidget       *focus;

  g_assert_false (gtk_search_bar_get_search_mode (search_bar));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-search", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (search_bar));
  g_assert_true (gtk_toggle_button_get_active (search_button));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (search_button), GTK_ACCESSIBLE_STATE_PRESSED,
                                    TRUE);
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus == template_child (window, "search_entry") ||
                 gtk_widget_is_ancestor (focus, template_child (window, "search_entry")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.toggle-search", NULL));
  g_assert_false (gtk_search_bar_get_search_mode (search_bar));
  g_assert_false (gtk_toggle_button_get_active (search_button));
}

/* New Temporary Conversation opens a conversation that remembers nothing, from the menu or
 * Ctrl+Shift+N. */
static void
test_window_temporary_conversation (void)
{
  SamWindow       *window = open_main_window ();
  GtkMenuButton   *menu_button = GTK_MENU_BUTTON (template_child (window, "primary_menu_button"));
  GMenuModel      *menu;
  SamConversation *conversation;
  gboolean         in_menu = FALSE;

  /* The menu is built when it is first opened. */
  gtk_menu_button_popup (menu_button);
  menu = gtk_menu_button_get_menu_model (menu_button);
  g_assert_nonnull (menu);
  g_assert_nonnull (gtk_menu_button_get_popover (menu_button));
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section && j < g_menu_model_get_n_items (section); j++)
        {
          g_autofree char *action = NULL;

          if (g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_ACTION, "s", &action) &&
              g_str_equal (action, "win.new-temporary-conversation"))
            in_menu = TRUE;
        }
    }
  g_assert_true (in_menu);
  gtk_menu_button_popdown (menu_button);

  g_assert_true (
      gtk_widget_activate_action (GTK_WIDGET (window), "win.new-temporary-conversation", NULL));
  conversation =
      sam_chat_get_conversation (sam_chat_view_get_chat (sam_window_get_chat_view (window)));
  g_assert_cmpint (sam_conversation_get_kind (conversation), ==, SAM_CONVERSATION_KIND_TEMPORARY);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  conversation =
      sam_chat_get_conversation (sam_chat_view_get_chat (sam_window_get_chat_view (window)));
  g_assert_cmpint (sam_conversation_get_kind (conversation), ==, SAM_CONVERSATION_KIND_NORMAL);
}

/* The name the installation gave the companion is the one the window says is an AI. */
static void
test_window_companion_name (void)
{
  SamWindow *window = open_main_window ();
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *description = template_child (window, "welcome_description");
  GtkWidget *ai_label;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-conversation", NULL));
  ai_label = (GtkWidget *) gtk_widget_get_template_child (
      GTK_WIDGET (sam_window_get_chat_view (window)), SAM_TYPE_CHAT_VIEW, "ai_label");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ai_label)), ==,
                   "Samantha is an AI, not a person. It can be wrong.");

  g_settings_set_string (settings, "companion-name", "Juno");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (description)), "I’m Juno,"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (description)), "not a person"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ai_label)), ==,
                   "Juno is an AI, not a person. It can be wrong.");

  g_settings_reset (settings, "companion-name");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (description)), "I’m Samantha,"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (ai_label)), ==,
                   "Samantha is an AI, not a person. It can be wrong.");
}

static void
test_window_app_actions (void)
{
  SamWindow       *window = open_main_window ();
  GtkWindow       *about;
  GtkWindow       *shortcuts;
  GtkWindow       *preferences;
  g_autofree char *png = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = wait_for_window (ADW_TYPE_ABOUT_WINDOW);
  g_assert_true (gtk_window_get_transient_for (about) == GTK_WINDOW (window));
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==,
                   "Samantha");
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  png = sam_test_ui_save_png (GTK_WIDGET (about), "about");
  gtk_window_destroy (about);

  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  shortcuts = wait_for_window (GTK_TYPE_SHORTCUTS_WINDOW);
  g_clear_pointer (&png, g_free);
  png = sam_test_ui_save_png (GTK_WIDGET (shortcuts), "shortcuts");
  gtk_window_destroy (shortcuts);

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = wait_for_window (SAM_TYPE_PREFERENCES_WINDOW);
  g_assert_true (gtk_window_get_modal (preferences));
  g_clear_pointer (&png, g_free);
  png = sam_test_ui_save_png (GTK_WIDGET (preferences), "preferences");
  gtk_window_destroy (preferences);
}

static void
test_window_style_preference (void)
{
  SamWindow *window = open_main_window ();
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  AdwStyleManager *style_manager = adw_style_manager_get_default ();
  GtkWindow       *preferences;
  AdwComboRow     *style_row;
  g_autofree char *png = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = wait_for_window (SAM_TYPE_PREFERENCES_WINDOW);
  style_row = ADW_COMBO_ROW (template_child (preferences, "style_row"));

  /* Choosing "Dark" in the row is stored and applied to the whole app. */
  adw_combo_row_set_selected (style_row, 2);
  g_assert_cmpstr (g_settings_get_string (settings, "color-scheme"), ==, "force-dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style_manager), ==,
                   ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style_manager));
  gtk_window_destroy (preferences);

  sam_test_ui_iterate (100);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  png = sam_test_ui_save_png (GTK_WIDGET (window), "window-dark");

  g_settings_reset (settings, "color-scheme");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style_manager), ==,
                   ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
leaflet_is_folded (gpointer data)
{
  return adw_leaflet_get_folded (ADW_LEAFLET (data));
}

static gboolean
leaflet_is_unfolded (gpointer data)
{
  return !adw_leaflet_get_folded (ADW_LEAFLET (data));
}

static gboolean
leaflet_is_still (gpointer data)
{
  return !adw_leaflet_get_child_transition_running (ADW_LEAFLET (data));
}

static void
test_window_adaptive (void)
{
  SamWindow       *window = open_main_window ();
  AdwLeaflet      *leaflet = ADW_LEAFLET (template_child (window, "leaflet"));
  g_autofree char *png = NULL;

  gtk_window_unmaximize (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 680);
  g_assert_true (sam_test_ui_wait_for (leaflet_is_unfolded, leaflet, 5000));
  g_assert_false (gtk_widget_get_visible (template_child (window, "back_button")));

  /* On a phone-sized window the sidebar collapses and a back button appears. */
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 680);
  g_assert_true (sam_test_ui_wait_for (leaflet_is_folded, leaflet, 5000));
  g_assert_true (sam_test_ui_wait_for (leaflet_is_still, leaflet, 5000));
  sam_test_ui_iterate (300);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_assert_true (gtk_widget_get_visible (template_child (window, "back_button")));
  png = sam_test_ui_save_png (GTK_WIDGET (window), "window-narrow");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-sidebar", NULL));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == template_child (window, "sidebar"));

  gtk_window_set_default_size (GTK_WINDOW (window), 960, 680);
  g_assert_true (sam_test_ui_wait_for (leaflet_is_unfolded, leaflet, 5000));
}

static void
test_window_saves_size (void)
{
  SamWindow *window = open_main_window ();
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (window), 812, 604);
  sam_test_ui_iterate (50);
  gtk_window_close (GTK_WINDOW (window));
  sam_test_ui_iterate (50);

  g_assert_null (main_window ());
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 812);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 604);

  /* A new window comes back at the saved size. */
  window = open_main_window ();
  {
    int width, height;
    gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
    g_assert_cmpint (width, ==, 812);
    g_assert_cmpint (height, ==, 604);
  }
}

static void
test_window_quit (void)
{
  open_main_window ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  sam_test_init_environment ();
  gtk_test_init (&argc, &argv, NULL);

  app = sam_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/window/first-draw", test_window_first_draw);
  g_test_add_func ("/ui/window/accessibility", test_window_accessibility);
  g_test_add_func ("/ui/window/search-action", test_window_search_action);
  g_test_add_func ("/ui/window/temporary-conversation", test_window_temporary_conversation);
  g_test_add_func ("/ui/window/companion-name", test_window_companion_name);
  g_test_add_func ("/ui/window/app-actions", test_window_app_actions);
  g_test_add_func ("/ui/window/style-preference", test_window_style_preference);
  g_test_add_func ("/ui/window/adaptive", test_window_adaptive);
  g_test_add_func ("/ui/window/saves-size", test_window_saves_size);
  g_test_add_func ("/ui/window/quit", test_window_quit);

  ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}
