/// The clerk UI's stylesheet and its one script, served from `/assets/` so the
/// Content-Security-Policy can forbid inline code.
enum Assets {
    static let css = """
        :root { --ink: #1a1a1a; --muted: #5a5a5a; --line: #c9c9c9; --accent: #0b5cad; --bad: #b00020; --good: #1b6e20; --bg: #f6f6f4; }
        * { box-sizing: border-box; }
        html { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", system-ui, sans-serif; color: var(--ink); background: var(--bg); font-size: 17px; line-height: 1.6; }
        body { margin: 0; }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
        .skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
        header.top { background: #123; color: #fff; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.2rem; padding: .6rem 1rem; }
        header.top a, header.top button.link { color: #fff; text-decoration: none; font-size: 1rem; }
        header.top .brand { font-weight: 700; font-size: 1.15rem; margin-right: auto; }
        header.top nav { display: flex; flex-wrap: wrap; gap: .2rem .9rem; }
        header.top nav a { padding: .45rem .2rem; border-bottom: 3px solid transparent; }
        header.top nav a[aria-current="page"] { border-bottom-color: #f0a000; }
        header.top .who { font-size: .9rem; opacity: .9; }
        header.top form { display: inline; margin: 0; }
        button.link { background: none; border: 0; padding: .45rem .2rem; margin: 0; min-height: 0; cursor: pointer; text-decoration: underline; font: inherit; color: #fff; }
        main { max-width: 62rem; margin: 0 auto; padding: 1.2rem 1rem 3rem; }
        h1 { font-size: 1.6rem; margin: .3rem 0 1rem; }
        h2 { font-size: 1.25rem; margin: 1.6rem 0 .6rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 0 0 1rem; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .8rem; }
        .kind { display: block; background: #fff; border: 2px solid var(--line); border-radius: 8px; padding: 1rem; text-decoration: none; color: var(--ink); min-height: 5.5rem; }
        .kind:hover, .kind:focus-visible { border-color: var(--accent); }
        .kind strong { display: block; font-size: 1.1rem; }
        .kind span { color: var(--muted); font-size: .9rem; }
        label { display: block; font-weight: 600; margin: .9rem 0 .25rem; }
        label .req { color: var(--bad); font-weight: 700; margin-left: .3rem; }
        label .opt { color: var(--muted); font-weight: 400; margin-left: .3rem; font-size: .9rem; }
        .hint { color: var(--muted); font-size: .9rem; margin: .1rem 0 0; }
        input[type=text], input[type=password], input[type=date], input[type=number], input[type=search], select, textarea {
            width: 100%; max-width: 36rem; font: inherit; padding: .6rem .7rem; border: 1px solid #888; border-radius: 6px; background: #fff; min-height: 2.9rem; }
        textarea { min-height: 6rem; }
        input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"] { border: 2px solid var(--bad); background: #fff6f6; }
        .error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
        .error::before { content: "⚠ "; }
        .errors { border: 2px solid var(--bad); background: #fff6f6; border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; }
        .witnesses .ok { color: var(--good); font-weight: 600; }
        .witnesses .bad { color: var(--bad); font-weight: 600; }
        .witnesses .reason { overflow-wrap: anywhere; color: var(--muted); }
        .witnesses li { margin: .4rem 0; }
        .card + h2, table + .card { margin-top: 1.5rem; }
        details { margin: 1rem 0; }
        details summary { cursor: pointer; color: var(--muted, #555); }
        details pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: .6rem .8rem; font-size: .85rem; }
        .serial strong { font-size: 1.2rem; letter-spacing: .05em; }
        .notice { border: 2px solid var(--good); background: #f3fbf3; border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; }
        .check { display: flex; align-items: center; gap: .5rem; margin: .6rem 0; font-weight: 400; }
        .check input { width: 1.4rem; height: 1.4rem; }
        button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .7rem 1.4rem; min-height: 2.9rem; border-radius: 6px; border: 2px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; margin: 1rem .6rem 0 0; }
        button.secondary, .button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        table.list { width: 100%; border-collapse: collapse; background: #fff; font-size: .95rem; }
        table.list th, table.list td { border-bottom: 1px solid var(--line); padding: .5rem .5rem; text-align: left; vertical-align: top; }
        table.list th { background: #eef1f4; }
        dl.preview { display: grid; grid-template-columns: minmax(8rem, 14rem) 1fr; gap: .3rem 1rem; margin: 0; }
        dl.preview dt { font-weight: 600; color: var(--muted); }
        dl.preview dd { margin: 0; }
        .mono { font-family: ui-monospace, "Noto Sans Mono CJK JP", monospace; }
        .stat { font-size: 2rem; font-weight: 700; margin: 0; line-height: 1.2; }
        .scroll { overflow-x: auto; }
        table.list td.mono, table.list th { white-space: nowrap; }
        progress { width: 100%; max-width: 36rem; height: 1.4rem; }
        form.inline { display: inline; }
        .filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0 1rem; align-items: end; }
        .filters input, .filters select { height: 2.9rem; }
        @media (max-width: 40rem) { dl.preview { grid-template-columns: 1fr; } html { font-size: 16px; } table.list .wide { display: none; } }
        """

    /// Print button on the certificate page (no inline script under the CSP).
    static let printJS = """
        document.querySelectorAll('[data-action="print"]').forEach(function (b) {
          b.addEventListener('click', function () { window.print(); });
        });
        """
}
