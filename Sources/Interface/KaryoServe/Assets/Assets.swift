/// The app's only script and style sheet, served from /static (no external network assets).
enum Assets {
    static let css = """
        :root { --fg: #1d232a; --muted: #5b6670; --line: #d5dbe0; --accent: #1f5f99; --bad: #a3262a; --ok: #1e6b3a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f7f9; }
        header.top { display: flex; align-items: center; gap: 1.2em; padding: .5em 1.2em; background: #fff; border-bottom: 1px solid var(--line); }
        header.top .brand { font-weight: 700; }
        header.top nav a { margin-right: .9em; color: var(--accent); text-decoration: none; }
        header.top nav a.active { font-weight: 700; text-decoration: underline; }
        header.top .who { margin-left: auto; color: var(--muted); }
        header.top form { display: inline; }
        main { padding: 1em 1.2em; max-width: 1400px; }
        h1 { font-size: 1.35em; margin: .2em 0 .6em; }
        h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
        table { border-collapse: collapse; background: #fff; }
        th, td { border: 1px solid var(--line); padding: .3em .55em; text-align: left; vertical-align: middle; }
        th { background: #eef1f4; }
        tr.decided td { color: var(--muted); }
        .muted { color: var(--muted); }
        .flash { padding: .6em .9em; margin-bottom: 1em; border: 1px solid var(--line); background: #fff; }
        .flash.error { border-color: var(--bad); color: var(--bad); }
        .flash.ok { border-color: var(--ok); color: var(--ok); }
        .panel { background: #fff; border: 1px solid var(--line); padding: .8em 1em; margin-bottom: 1em; }
        .grid { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
        img.norm { width: 270px; height: 270px; image-rendering: pixelated; border: 1px solid var(--line); background: #fff; }
        img.thumb { width: 45px; height: 45px; image-rendering: pixelated; }
        figure { margin: 0; }
        figcaption { color: var(--muted); font-size: .85em; }
        .whole { position: relative; display: inline-block; max-width: 100%; }
        .whole img { display: block; max-width: 100%; height: auto; }
        .whole svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none; }
        .whole svg rect { fill: none; stroke-width: 3; vector-effect: non-scaling-stroke; }
        .whole svg rect.c9 { stroke: #d4380d; }
        .whole svg rect.c22 { stroke: #1d39c4; }
        .whole svg rect.other { stroke: #389e0d; }
        .decide button { font-size: 1em; padding: .45em .9em; margin: .2em .3em .2em 0; cursor: pointer; }
        .decide textarea { width: 100%; max-width: 40em; height: 4em; font: inherit; }
        kbd { border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 3px; padding: 0 .3em; font-size: .85em; background: #fafafa; }
        .pager a, .pager span { margin-right: .8em; }
        form.inline { display: inline; }
        input[type=text], input[type=password], select { font: inherit; padding: .25em .4em; }
        label { display: inline-block; margin: .2em .8em .2em 0; }
        .login { max-width: 22em; margin: 4em auto; }
        .login label { display: block; margin: .6em 0 .2em; }
        .login input { width: 100%; }
        .login button { margin-top: 1em; padding: .45em 1.2em; }
        """

    static let js = """
        // Keyboard shortcuts: any element with data-key="x" is clicked (buttons, links) or focused
        // (text fields) when x is pressed outside a text field. Escape leaves a text field.
        (function () {
          'use strict';
          document.addEventListener('keydown', function (e) {
            var t = e.target;
            if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.tagName === 'SELECT')) {
              if (e.key === 'Escape') { t.blur(); }
              return;
            }
            if (e.ctrlKey || e.metaKey || e.altKey) { return; }
            var el = document.querySelector('[data-key="' + (e.key === '"' ? '' : e.key) + '"]');
            if (!el) { return; }
            e.preventDefault();
            if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT') { el.focus(); }
            else { el.click(); }
          });
          // A decision button is pressed once: a second key press while the form is sent does nothing.
          document.querySelectorAll('form.decide').forEach(function (form) {
            form.addEventListener('submit', function () {
              setTimeout(function () {
                form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
              }, 0);
            });
          });
        })();
        """
}
