/* sam-test-ui.h — helpers for tests that show real windows under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void sam_test_ui_iterate (guint milliseconds);
gboolean
      sam_test_ui_wait_for (gboolean (*condition) (gpointer data), gpointer data, guint timeout_ms);
char *sam_test_ui_save_png (GtkWidget *widget, const char *name);

/* The first descendant of WIDGET, depth first, named NAME; with tooltip TOOLTIP and a button;
 * of TYPE (a GtkActionable type) whose action is ACTION_NAME. NULL when there is none. */
GtkWidget *sam_test_ui_find_named (GtkWidget *widget, const char *name);
GtkWidget *sam_test_ui_find_button_with_tooltip (GtkWidget *widget, const char *tooltip);
GtkWidget *sam_test_ui_find_actionable (GtkWidget *widget, GType type, const char *action_name);

/* The message dialog on screen that offers RESPONSE, or NULL. */
AdwMessageDialog *sam_test_ui_find_message_dialog (const char *response);

G_END_DECLS
