"""Browser tests: the real app in Debian's Chromium through Playwright, with axe-core for accessibility."""
