package neighbourhood

import "testing"

func TestSanitizeHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"allowed kept", "<p>Patrols on <strong>Friday</strong> and <em>Saturday</em>.<br/>Call 101.</p>",
			"<p>Patrols on <strong>Friday</strong> and <em>Saturday</em>.<br/>Call 101.</p>"},
		{"lists", "<ul><li>one</li><li><b>two</b></li></ul><ol><li><i>3</i></li></ol>",
			"<ul><li>one</li><li><b>two</b></li></ul><ol><li><i>3</i></li></ol>"},
		{"script removed with its text", "<p>Cycle theft<script>alert(1)</script></p>", "<p>Cycle theft</p>"},
		{"event handler", `<p onclick="alert(1)">x</p><img src=x onerror="alert(1)">`, "<p>x</p>"},
		{"javascript link", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"javascript link, mixed case and spaces", `<a href=" JaVaScRiPt:alert(1)">click</a>`, "click"},
		{"data link", `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`, "x"},
		{"relative link", `<a href="/admin">x</a>`, "x"},
		{"style attribute", `<p style="background:url(javascript:alert(1))">x</p>`, "<p>x</p>"},
		{"style element", `<style>body{display:none}</style><p>x</p>`, "<p>x</p>"},
		{"http link", `<a href="http://www.met.police.uk/saferneighbourhoods/" title="Safer">site</a>`,
			`<a href="http://www.met.police.uk/saferneighbourhoods/" rel="nofollow noopener">site</a>`},
		{"input rel replaced", `<a href="https://example.com/" rel="opener" target="_top">x</a>`,
			`<a href="https://example.com/" rel="nofollow noopener">x</a>`},
		{"mailto and tel", `<a href="mailto:team@hampshire.pnn.police.uk">mail</a> <a href="tel:101">101</a>`,
			`<a href="mailto:team@hampshire.pnn.police.uk" rel="nofollow noopener">mail</a> <a href="tel:101" rel="nofollow noopener">101</a>`},
		{"other elements unwrapped", `<div><h2>Title</h2><span class="x">text</span></div>`, "Titletext"},
		{"iframe", `<iframe src="https://evil.example/"></iframe>x`, "x"},
		{"entities kept", "Leake &amp; Keyworth", "Leake &amp; Keyworth"},
		{"bare ampersand escaped", "Banks & Hesketh", "Banks &amp; Hesketh"},
		{"quoted rel text is not a tag", `rel="nofollow"`, `rel=&#34;nofollow&#34;`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SanitizeHTML(tc.in); got != tc.want {
				t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
