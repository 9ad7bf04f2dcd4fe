/* sam-ask.h — `samantha --ask TEXT`: one headless turn, the reply streamed to stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * SamAskExit:
 * @SAM_ASK_EXIT_OK: the reply was streamed whole
 * @SAM_ASK_EXIT_OTHER: anything not listed below (nothing to ask, for one)
 * @SAM_ASK_EXIT_CONFIGURATION: no provider, no model, a wrong base URL or model name
 * @SAM_ASK_EXIT_AUTHENTICATION: no API key, or the key was refused
 * @SAM_ASK_EXIT_RATE_LIMIT: rate limited, or the account's credit or quota is used up
 * @SAM_ASK_EXIT_NETWORK: no connection, an invalid certificate, a cut connection, a timeout
 * @SAM_ASK_EXIT_SERVER: the server failed or is overloaded, before or during the reply, or
 *   sent something that could not be read
 * @SAM_ASK_EXIT_REQUEST: the server refused the request (too long for the context window,
 *   or otherwise invalid)
 * @SAM_ASK_EXIT_CANCELLED: stopped with Ctrl+C (SIGINT) or SIGTERM
 *
 * The exit statuses of `samantha --ask`. On failure one line goes to stderr; the text that
 * arrived before the failure stays on stdout.
 */
typedef enum
{
  SAM_ASK_EXIT_OK = 0,
  SAM_ASK_EXIT_OTHER = 1,
  SAM_ASK_EXIT_CONFIGURATION = 2,
  SAM_ASK_EXIT_AUTHENTICATION = 3,
  SAM_ASK_EXIT_RATE_LIMIT = 4,
  SAM_ASK_EXIT_NETWORK = 5,
  SAM_ASK_EXIT_SERVER = 6,
  SAM_ASK_EXIT_REQUEST = 7,
  SAM_ASK_EXIT_CANCELLED = 130,
} SamAskExit;

int        sam_ask_run (GSettings *settings, const char *text);
SamAskExit sam_ask_exit_status (const GError *error);

G_END_DECLS
