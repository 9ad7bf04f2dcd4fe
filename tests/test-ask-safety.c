/* test-ask-safety.c — `samantha --ask` meets a crisis with real help, before the model speaks.
 *
 * The real binary against a real server on 127.0.0.1: a message in crisis prints the crisis
 * resources of the country in LANG before the reply, and reaches the model in safety mode;
 * an ordinary message does neither.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "companion/sam-safety-policy.h"
#include "sam-test-server.h"
#include "sam-test-util.h"

typedef struct
{
  char *out;
  int   status;
} AskResult;

static void
communicated_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
ask (SamTestServer *server, const char *lang, const char *text, AskResult *result)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *done = NULL;

  g_subprocess_launcher_setenv (launcher, "SAMANTHA_PROVIDER", "openai", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_BASE_URL",
                                sam_test_server_get_base_url (server), TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_MODEL", "test-model", TRUE);
  g_subprocess_launcher_setenv (launcher, "SAMANTHA_API_KEY", "sk-test", TRUE);
  g_subprocess_launcher_setenv (launcher, "LANG", lang, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", lang, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");

  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SAMANTHA_EXE"), "--ask", text,
                                         NULL);
  g_assert_no_error (error);
  /* The server runs on this thread's main context: wait without blocking it. */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_communicate_utf8_finish (process, done, &result->out, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (done);
  result->status = g_subprocess_get_exit_status (process);
}

static void
test_ask_crisis_shows_resources (void)
{
  const char *chunks[] = { "I'm really glad you told me. ", "Are you safe right now?", NULL };
  g_autoptr (SamTestServer) server = sam_test_server_new ();
  AskResult   result = { 0 };
  const char *reply;

  sam_test_server_set_reply (server, chunks, 5);
  ask (server, "de_DE.UTF-8", "Ich will nicht mehr leben, ich will mich umbringen.", &result);

  g_assert_cmpint (result.status, ==, 0);
  /* The German lines first (TelefonSeelsorge), then the model's words. */
  g_assert_nonnull (strstr (result.out, "0800 111 0 111"));
  reply = strstr (result.out, "I'm really glad you told me.");
  g_assert_nonnull (reply);
  g_assert_true (strstr (result.out, "0800 111 0 111") < reply);

  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
  g_free (result.out);
}

static void
test_ask_ordinary_message (void)
{
  const char *chunks[] = { "Sunny with a light breeze.", NULL };
  g_autoptr (SamTestServer) server = sam_test_server_new ();
  AskResult result = { 0 };

  sam_test_server_set_reply (server, chunks, 5);
  ask (server, "en_US.UTF-8", "This week is killing me, what's the weather like for a walk?",
       &result);

  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "Sunny with a light breeze.");
  g_assert_null (strstr (result.out, "988"));

  /* The safety policy goes with every request, safety mode only with a crisis. */
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), "Safety policy"));
  g_assert_null (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
  g_free (result.out);
}

static void
test_ask_crisis_in_the_us (void)
{
  const char *chunks[] = { "I'm here with you.", NULL };
  g_autoptr (SamTestServer) server = sam_test_server_new ();
  AskResult result = { 0 };

  sam_test_server_set_reply (server, chunks, 5);
  ask (server, "en_US.UTF-8", "i just want to kms tonight", &result);

  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "988"));
  g_assert_nonnull (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
  g_free (result.out);
}

/* The acceptance runs `--ask` with LANG set in every supported language: each crisis brings
 * that country's line and safety mode. */
static void
test_ask_crisis_in_every_language (void)
{
  static const struct
  {
    const char *lang;
    const char *text;
    const char *line;
  } cases[] = {
    { "fr_FR.UTF-8", "Je n’ai plus la force, je veux en finir ce soir.", "3114" },
    { "es_ES.UTF-8", "Ya no aguanto, quiero quitarme la vida.", "024" },
    { "it_IT.UTF-8", "Non ce la faccio più, voglio farla finita.", "02 2327 2327" },
    { "pt_PT.UTF-8", "Não aguento mais, quero morrer.", "1411" },
    { "nl_NL.UTF-8", "Ik wil niet meer leven.", "113" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *chunks[] = { "I'm here with you.", NULL };
      g_autoptr (SamTestServer) server = sam_test_server_new ();
      AskResult result = { 0 };

      sam_test_server_set_reply (server, chunks, 5);
      ask (server, cases[i].lang, cases[i].text, &result);

      g_assert_cmpint (result.status, ==, 0);
      if (strstr (result.out, cases[i].line) == NULL)
        g_error ("%s: “%s” did not show %s:\n%s", cases[i].lang, cases[i].text, cases[i].line,
                 result.out);
      g_assert_nonnull (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
      g_free (result.out);
    }
}

/* A Spanish idiom is not a crisis: no line, no safety mode. */
static void
test_ask_ordinary_in_spanish (void)
{
  const char *chunks[] = { "Mañana, 31 grados.", NULL };
  g_autoptr (SamTestServer) server = sam_test_server_new ();
  AskResult result = { 0 };

  sam_test_server_set_reply (server, chunks, 5);
  ask (server, "es_ES.UTF-8", "Este calor me está matando, ¿qué tiempo hará mañana?", &result);

  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, "Mañana, 31 grados.");
  g_assert_null (strstr (sam_test_server_get_last_request (server), SAM_SAFETY_MODE_MARKER));
  g_free (result.out);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ask/safety/crisis-shows-resources", test_ask_crisis_shows_resources);
  g_test_add_func ("/ask/safety/ordinary-message", test_ask_ordinary_message);
  g_test_add_func ("/ask/safety/crisis-in-the-us", test_ask_crisis_in_the_us);
  g_test_add_func ("/ask/safety/crisis-in-every-language", test_ask_crisis_in_every_language);
  g_test_add_func ("/ask/safety/ordinary-in-spanish", test_ask_ordinary_in_spanish);

  return g_test_run ();
}
