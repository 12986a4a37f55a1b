package source

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/platform"
)

type entry struct {
	name, body, link string
	typ              byte
}

func tarball(entries ...entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		tw.WriteHeader(h)
		if typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

const procfile = "web: ./server\n"

func TestInspect(t *testing.T) {
	app := tarball(entry{name: "./", typ: tar.TypeDir}, entry{name: "./Procfile", body: procfile},
		entry{name: "./Dockerfile", body: "FROM scratch\n"}, entry{name: "./src/main.go", body: "package main\n"},
		entry{name: "./src/link", typ: tar.TypeSymlink, link: "main.go"})
	for name, b := range map[string][]byte{"plain": app, "gzip": gzipped(app)} {
		info, err := Inspect(bytes.NewReader(b), 1<<20)
		if err != nil || info.Root != "" || !info.Dockerfile || string(info.Procfile) != procfile || info.Files != 3 {
			t.Errorf("%s: %+v, %v", name, info, err)
		}
	}
	// GitHub's archives put everything in one directory.
	gh := tarball(entry{name: "app-1a2b3c/", typ: tar.TypeDir}, entry{name: "app-1a2b3c/Procfile", body: procfile},
		entry{name: "app-1a2b3c/index.js", body: "//"})
	if info, err := Inspect(bytes.NewReader(gzipped(gh)), 1<<20); err != nil || info.Root != "app-1a2b3c" || string(info.Procfile) != procfile || info.Dockerfile {
		t.Errorf("one top directory: %+v, %v", info, err)
	}
	// No Procfile, no Dockerfile: fine here (buildpacks decide).
	if info, err := Inspect(bytes.NewReader(tarball(entry{name: "index.html", body: "hi"})), 1<<20); err != nil || info.Procfile != nil || info.Root != "" {
		t.Errorf("plain files: %+v, %v", info, err)
	}
}

func TestInspectRefuses(t *testing.T) {
	big := strings.Repeat("x", 2048)
	damaged := gzipped(tarball(entry{name: "Procfile", body: procfile}, entry{name: "big", body: big}))
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"text":            {[]byte("this is not a tarball, only some text that is long enough"), "not a tarball"},
		"bad gzip":        {[]byte{0x1f, 0x8b, 0, 1, 2, 3}, "not a tarball"},
		"empty":           {tarball(), "empty"},
		"dot-dot":         {tarball(entry{name: "../evil", body: "x"}), "outside its own directory"},
		"deep dot-dot":    {tarball(entry{name: "a/../../evil", body: "x"}), "outside its own directory"},
		"absolute":        {tarball(entry{name: "/etc/passwd", body: "x"}), "outside its own directory"},
		"symlink out":     {tarball(entry{name: "a/link", typ: tar.TypeSymlink, link: "../../etc"}), "outside its own directory"},
		"absolute link":   {tarball(entry{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd"}), "outside its own directory"},
		"hard link out":   {tarball(entry{name: "link", typ: tar.TypeLink, link: "../x"}), "outside its own directory"},
		"device":          {tarball(entry{name: "dev", typ: tar.TypeChar}), "neither a file"},
		"too large":       {tarball(entry{name: "big", body: big}), "more than"},
		"cut short":       {damaged[:len(damaged)/2], "cut short or damaged"},
		"backslash names": {tarball(entry{name: `..\evil`, body: "x"}), "outside its own directory"},
	} {
		_, err := Inspect(bytes.NewReader(c.b), 1024)
		if err == nil || platform.KindOf(err) != platform.KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an invalid-input error saying %q", name, err, c.want)
		}
	}
}

// Inspect never panics, and refuses with a message fit to show or accepts.
func FuzzInspect(f *testing.F) {
	f.Add(tarball(entry{name: "Procfile", body: procfile}))
	f.Add(gzipped(tarball(entry{name: "d/", typ: tar.TypeDir}, entry{name: "d/x", body: "y"})))
	f.Add([]byte("not a tarball"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Inspect(bytes.NewReader(b), 1<<20); err != nil && platform.KindOf(err) != platform.KindInvalid {
			t.Fatalf("error of kind %v: %v", platform.KindOf(err), err)
		}
	})
}

func TestRepackStripsTheRoot(t *testing.T) {
	gh := gzipped(tarball(entry{name: "app-1a2b3c/", typ: tar.TypeDir}, entry{name: "app-1a2b3c/Procfile", body: procfile},
		entry{name: "app-1a2b3c/bin/", typ: tar.TypeDir}, entry{name: "app-1a2b3c/bin/run", body: "#!/bin/sh\n"},
		entry{name: "app-1a2b3c/run", typ: tar.TypeLink, link: "app-1a2b3c/bin/run"},
		entry{name: "app-1a2b3c/sh", typ: tar.TypeSymlink, link: "bin/run"}))
	info, err := Inspect(bytes.NewReader(gh), 1<<20)
	if err != nil || info.Root != "app-1a2b3c" {
		t.Fatalf("inspect: %+v, %v", info, err)
	}
	var out bytes.Buffer
	if err := Repack(bytes.NewReader(gh), info.Root, &out); err != nil {
		t.Fatal(err)
	}
	repacked := out.Bytes()
	tr := tar.NewReader(bytes.NewReader(repacked))
	var got []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got = append(got, h.Name+">"+h.Linkname)
	}
	want := "Procfile> bin/> bin/run> run>bin/run sh>bin/run"
	if strings.Join(got, " ") != want {
		t.Errorf("repacked %q, want %q", strings.Join(got, " "), want)
	}
	// The repacked stream is a source Inspect accepts, rooted at the app.
	if info, err := Inspect(bytes.NewReader(repacked), 1<<20); err != nil || info.Root != "" || string(info.Procfile) != procfile {
		t.Errorf("repacked source: %+v, %v", info, err)
	}
}

func TestRepackRefusesWhatInspectWould(t *testing.T) {
	for name, b := range map[string][]byte{
		"traversal":      tarball(entry{name: "../etc/passwd", body: "x"}),
		"link out":       tarball(entry{name: "a", typ: tar.TypeSymlink, link: "../../etc/passwd"}),
		"absolute":       tarball(entry{name: "/etc/passwd", body: "x"}),
		"hard link out":  tarball(entry{name: "a", typ: tar.TypeLink, link: "../x"}),
		"device":         tarball(entry{name: "null", typ: tar.TypeChar}),
		"not a tarball!": gzipped([]byte("hello")),
	} {
		if err := Repack(bytes.NewReader(b), "", io.Discard); err == nil {
			t.Errorf("%s: repacked", name)
		}
	}
}
