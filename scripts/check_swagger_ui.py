"""Manual end-to-end check of /docs in a real browser: Swagger UI loads with no request leaving
the service, the Authorize button logs in with the password flow, and a protected call then
answers 200; /redoc renders.

Needs Debian's chromium (`apt-get install chromium`) and `pip install playwright` (its own
browser download is not needed). Usage, with the service running on BASE:

    python scripts/check_swagger_ui.py http://127.0.0.1:8000 owner@example.fr 'password'
"""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(base: str, email: str, password: str) -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        page = browser.new_page()
        outside: list[str] = []
        blocked: list[str] = []
        page.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if not r.url.startswith((base, "data:", f"blob:{base}"))
                else None
            ),
        )
        page.on(
            "requestfailed",
            lambda r: blocked.append(r.url) if "csp" in (r.failure or "").lower() else None,
        )
        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .info", timeout=15000)
        page.click("button.authorize")
        page.fill("input#oauth_username", email)
        page.fill("input#oauth_password", password)
        page.click(".auth-btn-wrapper button.authorize")
        page.locator(".modal-ux button.auth:has-text('Logout')").wait_for(timeout=10000)
        page.locator("button:has-text('Close')").first.click()
        op = "#operations-firm-firm-get"
        page.click(f"{op} .opblock-summary")
        page.click(f"{op} button.try-out__btn")
        page.click(f"{op} button.execute")
        page.wait_for_selector(f"{op} .live-responses-table .response-col_status", timeout=10000)
        status = page.inner_text(f"{op} .live-responses-table tbody .response-col_status").strip()
        page.goto(f"{base}/redoc")
        page.wait_for_selector("h1", timeout=15000)
        browser.close()
    print(f"GET /v1/firm from Swagger UI after Authorize: {status[:3]}")
    # The docs pages' Content-Security-Policy stops the browser before anything leaves it.
    escaped = [url for url in outside if url not in blocked]
    print(f"requests outside the service: {escaped or 'none'} (blocked by the CSP: {blocked})")
    return 0 if status.startswith("200") and not escaped else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
