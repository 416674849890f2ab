/// The report page's stylesheet, inlined into every page: system fonts, a reading column
/// that narrows to a phone's width, light and dark schemes from the reader's setting, tables
/// that scroll inside their own box, and charts on a white card in both schemes (they are
/// drawn black on white).
enum HTMLStyle {
    static let css = """
        :root {
          color-scheme: light dark;
          --text: #1f2328; --muted: #59636e; --background: #ffffff; --surface: #f6f8fa;
          --border: #d1d9e0; --link: #0969da; --accent: #9a6700;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --text: #e6edf3; --muted: #9198a1; --background: #0d1117; --surface: #161b22;
            --border: #3d444d; --link: #4493f8; --accent: #d29922;
          }
        }
        *, *::before, *::after { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body {
          margin: 0; background: var(--background); color: var(--text);
          font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
        }
        main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
        h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 2rem 0 1rem; position: relative; }
        h1 { font-size: 1.9rem; margin-top: 0.5rem; }
        h2 { font-size: 1.45rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--border); }
        h3 { font-size: 1.2rem; }
        h1, h2, h3, p, li, figcaption, blockquote, td, th { overflow-wrap: anywhere; }
        a { color: var(--link); }
        a.anchor { margin-left: 0.4rem; text-decoration: none; color: var(--muted); opacity: 0; font-weight: normal; }
        :is(h1, h2, h3, h4, h5, h6):hover a.anchor, a.anchor:focus { opacity: 1; }
        p, ul, ol, blockquote, pre, figure, .table-scroll { margin: 0 0 1rem; }
        code {
          font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
          font-size: 0.875em; background: var(--surface); border-radius: 4px; padding: 0.1em 0.3em;
        }
        pre {
          background: var(--surface); border: 1px solid var(--border); border-radius: 6px;
          padding: 0.75rem 1rem; white-space: pre-wrap; overflow-wrap: anywhere;
        }
        pre code { background: none; padding: 0; font-size: 0.85em; }
        blockquote {
          margin-left: 0; padding: 0.25rem 1rem; color: var(--text);
          border-left: 4px solid var(--accent); background: var(--surface); border-radius: 0 6px 6px 0;
        }
        blockquote > :last-child { margin-bottom: 0.25rem; }
        hr { border: 0; border-top: 1px solid var(--border); margin: 2rem 0; }
        .table-scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--border); border-radius: 6px; }
        table { border-collapse: collapse; font-size: 0.875rem; min-width: 100%; }
        th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
        td, th { overflow-wrap: normal; white-space: nowrap; }
        th { background: var(--surface); font-weight: 600; }
        tbody tr:last-child td { border-bottom: 0; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .center { text-align: center; }
        figure { margin-left: 0; margin-right: 0; }
        figure svg, figure img, p img {
          display: block; width: 100%; max-width: 100%; height: auto;
          background: #ffffff; border-radius: 6px; border: 1px solid var(--border);
        }
        figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.5rem; }
        @media (max-width: 40rem) {
          body { font-size: 15px; }
          main { padding: 1rem 0.75rem 3rem; }
          h1 { font-size: 1.5rem; }
          h2 { font-size: 1.25rem; }
        }
        @media print {
          a.anchor { display: none; }
          .table-scroll { overflow: visible; border: 0; }
          figure { break-inside: avoid; }
        }

        """
}
