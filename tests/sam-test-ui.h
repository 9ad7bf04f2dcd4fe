/* sam-test-ui.h — helpers for tests that show real windows under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void sam_test_ui_iterate (guint milliseconds);
gboolean
      sam_test_ui_wait_for (gboolean (*condition) (gpointer data), gpointer data, guint timeout_ms);
char *sam_test_ui_save_png (GtkWidget *widget, const char *name);

G_END_DECLS
