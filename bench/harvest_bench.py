"""Time `dskg harvest` on a real WordPress holding N practice posts: a first harvest,
then an incremental one after 10 posts were edited, then `dskg build` from the cache.

WordPress is Debian's, started in a throwaway folder exactly as the tests start it
(tests/wordpress_fixture.py), filled through its PHP API with N posts shaped like the
sample page's (tests/wordpress_content.py; titles, countries and sections from
bench/generate.py's pools). Each rate limit given runs in a fresh project folder. The
peer is the floor for the same transfer: one plain `requests` loop over the REST
API's pages with full content, unthrottled, no politeness, no cache, no parsing.

    .venv/bin/python bench/harvest_bench.py 1000 --rates 2 50
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from tests.wordpress_content import render  # noqa: E402
from tests.wordpress_fixture import start_wordpress, stop_wordpress  # noqa: E402

COUNTRIES = ["Bulgaria", "Greece", "Latvia", "Luxembourg", "Portugal", "Poland", "Ireland"]
AUDIENCES = ["Digital skills for all", "Digital skills for the workforce",
             "Digital skills in education", "Digital skills for children"]
TECHNOLOGIES = ["Artificial Intelligence", "Cloud Computing", "Digital skills",
                "Virtual Reality"]


def posts(count: int) -> list[dict]:
    made = []
    for i in range(count):
        body = render([f"Practice {i} trains {10 + i % 90} people in digital skills.",
                       "• workshops", "• online courses"],
                      [("Target audience", [AUDIENCES[i % 4], AUDIENCES[(i + 1) % 4]]),
                       ("Digital technology", [TECHNOLOGIES[i % 4]]),
                       ("Type of initiative of the good practice", ["National initiative"]),
                       ("Organisation providing the good practice", [f"Organisation {i % 50}"])])
        made.append({"title": f"Digital skills practice number {i}", "body": body,
                     "categories": [COUNTRIES[i % len(COUNTRIES)],
                                    "Country providing the good practice"],
                     "date": f"20{20 + i % 5}-0{1 + i % 9}-1{i % 9} 09:00:00"})
    return made


def fill(site, count: int) -> list[int]:
    payload = site.folder / "posts.json"
    payload.write_text(json.dumps(posts(count)), encoding="utf-8")
    out = site.php(f"""
$ids = [];
foreach (json_decode(file_get_contents('{payload}'), true) as $post) {{
    $cats = [];
    foreach ($post['categories'] as $name) {{
        $term = term_exists($name, 'category') ?: wp_insert_term($name, 'category');
        $cats[] = (int) $term['term_id'];
    }}
    $ids[] = wp_insert_post(wp_slash(['post_title' => $post['title'],
        'post_content' => $post['body'], 'post_status' => 'publish',
        'post_category' => $cats, 'post_date' => $post['date']]));
}}
echo json_encode($ids);
""")
    return json.loads(out.strip().splitlines()[-1])


def dskg(folder: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "DSKG_DATA_DIR": str(folder / "data"),
           "DSKG_VAR_DIR": str(folder / "var"), "DSKG_LOG_LEVEL": "warning"}
    start = time.perf_counter()
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "dskg"), *args], env=env,
                            capture_output=True, text=True, check=True)
    return time.perf_counter() - start, result.stdout


def peer(site) -> tuple[float, int]:
    """Every post with its content, page by page, as fast as the site answers."""
    start, page, total, fetched = time.perf_counter(), 1, 1, 0
    while page <= total:
        answer = site.rest("/wp/v2/posts", per_page=100, page=page)
        total = int(answer.headers["X-WP-TotalPages"])
        fetched += len(answer.json())
        page += 1
    return time.perf_counter() - start, fetched


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int, nargs="?", default=1000)
    parser.add_argument("--rates", type=float, nargs="+", default=[2.0])
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        site = start_wordpress(Path(tmp) / "wordpress")
        try:
            started = time.perf_counter()
            ids = fill(site, args.count)
            print(f"{len(ids)} posts inserted in {time.perf_counter() - started:.1f} s")
            seconds, fetched = peer(site)
            print(f"peer: plain requests loop, {fetched} posts with content: {seconds:.2f} s")
            for rate in args.rates:
                folder = Path(tmp) / f"rate-{rate:g}"
                (folder / "data" / "sources").mkdir(parents=True)
                (folder / "data" / "sources.yaml").write_text(yaml.safe_dump({"sources": [
                    {"name": "coalition", "kind": "wordpress", "url": site.url,
                     "politeness": {"rate": rate}}]}), encoding="utf-8")
                first, out = dskg(folder, "harvest", "--json")
                summary = json.loads(out)[0]
                print(f"rate {rate:g}/s: first harvest {first:.2f} s, {summary['new']} new, "
                      f"{summary['requests']} requests, {summary['bytes']:,} bytes")
                time.sleep(1.1)
                for post in ids[:args.changed]:
                    site.php(f"wp_update_post(['ID' => {post}, 'post_content' => "
                             f"'<p>Edited.</p><h3>Target audience</h3><p>All</p>']);")
                again, out = dskg(folder, "harvest", "--json")
                summary = json.loads(out)[0]
                print(f"rate {rate:g}/s: incremental harvest {again:.2f} s, "
                      f"{summary['changed']} changed, {summary['unchanged']} unchanged, "
                      f"{summary['requests']} requests, {summary['bytes']:,} bytes")
                built, _ = dskg(folder, "build")
                print(f"rate {rate:g}/s: dskg build from the cache {built:.2f} s")
                for post in ids[:args.changed]:
                    site.php(f"wp_update_post(['ID' => {post}, 'post_content' => "
                             f"'<p>Edited again.</p><h3>Target audience</h3><p>All</p>']);")
        finally:
            stop_wordpress(site)


if __name__ == "__main__":
    main()
