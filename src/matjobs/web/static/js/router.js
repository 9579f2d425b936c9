// Hash routes (#/jobs/ID?tab=files) to a page name and its parameters: pure.

const ROUTES = [
  ["login", /^\/login$/],
  ["jobs", /^\/(?:jobs)?$/],
  ["new", /^\/new$/],
  ["job", /^\/jobs\/(?<id>[^/]+)$/],
  ["materials", /^\/materials$/],
  ["material", /^\/materials\/(?<id>[^/]+)$/],
  ["workflows", /^\/workflows$/],
  ["workflow", /^\/workflows\/(?<id>[^/]+)$/],
  ["clusters", /^\/clusters$/],
];

export function parse(hash) {
  const text = (hash || "").replace(/^#/, "") || "/";
  const [path, search = ""] = text.split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  for (const [name, pattern] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { name, params: { ...(match.groups || {}) }, query, path: text };
  }
  return { name: "missing", params: {}, query, path: text };
}

export function href(path, query = {}) {
  const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== "" && value != null));
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}
