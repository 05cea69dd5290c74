"""A real WordPress for the harvesting tests: Debian's packages, started in a throwaway
folder on loopback, never as system services.

MariaDB runs on a socket of its own (``mysql_install_db`` + ``mariadbd``, no network
port); PHP's built-in server serves Debian's ``/usr/share/wordpress`` on a free loopback
port. Debian's WordPress reads its settings from ``/etc/wordpress/config-<name>.php``;
the server's router names a file unique to this run (``WORDPRESS_CONFIG``), written at
start and removed at the end. WordPress is installed with its own ``wp_install()`` and
filled through its PHP API (:func:`run_php`), so what the tests read is what a real
site serves.
"""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from .server_fixture import free_port, starting, stop_group

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
#: The Debian packages this fixture needs, and the command that installs them.
PACKAGES = ("wordpress", "mariadb-server", "php-cli", "php-mysql")
INSTALL = "apt-get install -y " + " ".join(PACKAGES)
PROGRAMS = ("mysql_install_db", "mariadbd", "php")

ROUTER = """<?php
// Every request: logged (method and URI), this run's configuration, then WordPress as
// Apache would run it.
file_put_contents('{log}', $_SERVER['REQUEST_METHOD'] . ' ' . $_SERVER['REQUEST_URI'] . "\n",
                  FILE_APPEND | LOCK_EX);
$_SERVER['WORDPRESS_CONFIG'] = '{name}';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = '{root}' . $path;
if ($path !== '/' && is_file($file) && substr($file, -4) !== '.php') {{
    return false;
}}
chdir('{root}');
$script = (is_file($file) && substr($file, -4) === '.php') ? $file : '{root}/index.php';
$_SERVER['SCRIPT_FILENAME'] = $script;
$_SERVER['SCRIPT_NAME'] = substr($script, strlen('{root}'));
$_SERVER['PHP_SELF'] = $_SERVER['SCRIPT_NAME'];
require $script;
"""

CONFIG = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}');
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_CONTENT_DIR', '{content}');
define('AUTH_KEY', '{secret}');
define('SECURE_AUTH_KEY', '{secret}');
define('LOGGED_IN_KEY', '{secret}');
define('NONCE_KEY', '{secret}');
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
$table_prefix = 'wp_';
"""

#: Loads WordPress in a PHP process of our own, as this run's site.
BOOT = """<?php
$_SERVER['WORDPRESS_CONFIG'] = '{name}';
$_SERVER['HTTP_HOST'] = '{host}';
define('WP_INSTALLING', {installing});
require '{root}/wp-load.php';
"""


#: What Polylang and WPML add to the REST API, registered from post meta (the plugins
#: cannot be installed offline): ``lang`` (the post's language) and ``translations``
#: (language → post id of each version, the post itself included).
TRANSLATIONS_PLUGIN = """<?php
add_action('rest_api_init', function () {
    register_rest_field('post', 'lang', ['get_callback' => function ($post) {
        return get_post_meta($post['id'], 'dskg_lang', true) ?: 'en';
    }]);
    register_rest_field('post', 'translations', ['get_callback' => function ($post) {
        $linked = json_decode(get_post_meta($post['id'], 'dskg_translations', true) ?: '{}', true);
        return (object) $linked;
    }]);
});
"""


#: A plugin that prints a PHP warning into every REST answer while the option
#: ``dskg_noisy`` is set: the commonest way a real site serves malformed JSON.
NOISY_PLUGIN = """<?php
add_filter('rest_pre_serve_request', function ($served) {
    if (get_option('dskg_noisy')) {
        echo "<br />\\n<b>Warning</b>:  Undefined variable \\$count in <b>gallery.php</b> on line <b>42</b><br />\\n";
    }
    return $served;
}, 1);
"""


class WordPressMissing(RuntimeError):
    """The Debian packages are not installed; the message names the command."""


@dataclass
class WordPress:
    url: str
    folder: Path
    name: str
    socket: Path
    processes: list[subprocess.Popen]

    @property
    def requests_log(self) -> Path:
        """One line per request the site answered: ``GET /?rest_route=…``."""
        return self.folder / "requests.log"

    def requests_since(self, count: int) -> list[str]:
        lines = self.requests_log.read_text().splitlines() if self.requests_log.exists() else []
        return lines[count:]

    def rest(self, route: str, **params: object) -> requests.Response:
        """A REST API request in the form that needs no pretty permalinks."""
        return requests.get(self.url + "/", params={"rest_route": route, **params}, timeout=30)

    def php(self, code: str, installing: bool = False) -> str:
        """Run PHP with WordPress loaded (``code`` without ``<?php``); its output."""
        return run_php(self, code, installing)


def missing_programs() -> list[str]:
    missing = [name for name in PROGRAMS if shutil.which(name) is None
               and not Path("/usr/sbin", name).exists()]
    if not (WORDPRESS / "wp-load.php").exists():
        missing.append("wordpress")
    if "php" not in missing and subprocess.run(
            ["php", "-r", "exit(extension_loaded('mysqli') ? 0 : 1);"]).returncode:
        missing.append("php-mysql")
    return missing


def _wait(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in {seconds:.0f} s")


def run_php(site: WordPress, code: str, installing: bool = False) -> str:
    host = site.url.split("://", 1)[1]
    script = site.folder / f"run-{uuid.uuid4().hex}.php"
    script.write_text(BOOT.format(name=site.name, host=host, root=WORDPRESS,
                                  installing="true" if installing else "false") + code,
                      encoding="utf-8")
    try:
        result = subprocess.run(["php", str(script)], capture_output=True, text=True,
                                timeout=120, cwd=site.folder)
    finally:
        script.unlink()
    if result.returncode != 0:
        raise RuntimeError(f"PHP failed ({result.returncode}): {result.stdout[-2000:]}"
                           f"{result.stderr[-2000:]}")
    return result.stdout


def start_wordpress(folder: Path) -> WordPress:
    """Start MariaDB and WordPress in ``folder`` and install an empty site."""
    starting("wordpress")
    missing = missing_programs()
    if missing:
        raise WordPressMissing(f"missing {', '.join(missing)}: run `{INSTALL}`")
    name = f"dskg-test-{uuid.uuid4().hex[:12]}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data, sock, content = folder / "mariadb", folder / "mariadb.sock", folder / "wp-content"
    subprocess.run([shutil.which("mysql_install_db") or "/usr/bin/mysql_install_db", "--no-defaults", f"--datadir={data}", "--user=root",
                    "--auth-root-authentication-method=normal", "--skip-test-db"],
                   check=True, capture_output=True, timeout=120)
    log = (folder / "mariadb.log").open("w")
    database = subprocess.Popen(
        [shutil.which("mariadbd") or "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={sock}", "--user=root",
         "--skip-networking", f"--pid-file={folder / 'mariadb.pid'}", "--skip-log-bin"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    site = WordPress(url, folder, name, sock, [database])
    try:
        _wait(sock.exists, "MariaDB")
        subprocess.run(["mariadb", f"--socket={sock}", "-uroot", "-e",
                        "CREATE DATABASE wordpress CHARACTER SET utf8mb4"], check=True,
                       capture_output=True, timeout=60)
        (content / "plugins").mkdir(parents=True)
        (content / "mu-plugins").mkdir()
        (content / "mu-plugins" / "translations.php").write_text(TRANSLATIONS_PLUGIN,
                                                                 encoding="utf-8")
        (content / "mu-plugins" / "noisy.php").write_text(NOISY_PLUGIN, encoding="utf-8")
        (content / "themes").mkdir()
        for theme in (WORDPRESS / "wp-content" / "themes").iterdir():
            (content / "themes" / theme.name).symlink_to(theme)
        config = CONFIG_DIR / f"config-{name}.php"
        config.write_text(CONFIG.format(socket=sock, url=url, content=content,
                                        secret=uuid.uuid4().hex), encoding="utf-8")
        router = folder / "router.php"
        router.write_text(ROUTER.format(name=name, root=WORDPRESS, log=site.requests_log),
                          encoding="utf-8")
        run_php(site, """
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install('Digital skills coalition', 'editor', 'editor@example.org', true, '',
           'a-password-for-tests');
update_option('permalink_structure', '');
echo 'installed';
""", installing=True)
        server_log = (folder / "php.log").open("w")
        site.processes.append(subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(WORDPRESS), str(router)],
            stdout=server_log, stderr=subprocess.STDOUT, cwd=folder,
            start_new_session=True))

        def answers() -> bool:
            try:
                return site.rest("/").ok
            except requests.ConnectionError:
                return False
        _wait(answers, "WordPress")
    except BaseException:
        stop_wordpress(site)
        raise
    return site


def stop_wordpress(site: WordPress) -> None:
    for process in reversed(site.processes):
        stop_group(process, signal.SIGTERM, 30)
    (CONFIG_DIR / f"config-{site.name}.php").unlink(missing_ok=True)


def insert_post(site: WordPress, title: str, body: str, categories: list[str],
                status: str = "publish", date: str | None = None, password: str = "",
                tags: list[str] = (), lang: str | None = None) -> int:
    """A post with its categories and tags (created when missing); its id."""
    payload = json.dumps({"title": title, "body": body, "categories": categories,
                          "tags": list(tags), "status": status, "date": date,
                          "password": password, "lang": lang})
    code = f"""
$post = json_decode({json.dumps(payload)}, true);
$ids = [];
foreach ($post['categories'] as $name) {{
    $term = term_exists($name, 'category');
    if (!$term) {{ $term = wp_insert_term($name, 'category'); }}
    $ids[] = (int) $term['term_id'];
}}
$args = ['post_title' => $post['title'], 'post_content' => $post['body'],
         'post_status' => $post['status'], 'post_category' => $ids,
         'post_password' => $post['password'], 'tags_input' => $post['tags']];
if ($post['date']) {{ $args['post_date'] = $post['date']; }}
$id = wp_insert_post(wp_slash($args), true);
if (is_wp_error($id)) {{ fwrite(STDERR, $id->get_error_message()); exit(1); }}
if ($post['lang']) {{ update_post_meta($id, 'dskg_lang', $post['lang']); }}
echo $id;
"""
    return int(site.php(code).strip().splitlines()[-1])


def link_translations(site: WordPress, versions: dict[str, int]) -> None:
    """Make posts translations of each other, as Polylang records them."""
    linked = json.dumps(versions)
    site.php(f"""
foreach (json_decode({json.dumps(linked)}, true) as $lang => $id) {{
    update_post_meta($id, 'dskg_lang', $lang);
    update_post_meta($id, 'dskg_translations', wp_slash({json.dumps(linked)}));
}}
""")


def update_post(site: WordPress, post_id: int, **fields: str) -> None:
    """Change a post as an editor saving it would (``post_content=…``, ``post_title=…``)."""
    payload = json.dumps({"ID": post_id, **fields})
    site.php(f"""
$result = wp_update_post(wp_slash(json_decode({json.dumps(payload)}, true)), true);
if (is_wp_error($result)) {{ fwrite(STDERR, $result->get_error_message()); exit(1); }}
""")


def delete_post(site: WordPress, post_id: int) -> None:
    site.php(f"wp_delete_post({int(post_id)}, true);")
