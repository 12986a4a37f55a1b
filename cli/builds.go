package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// buildJSON is what the CLI reads of a build.
type buildJSON struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	OutputStreamURL string `json:"output_stream_url"`
	CreatedAt       string `json:"created_at"`
	SourceBlob      struct {
		Version *string `json:"version"`
	} `json:"source_blob"`
	Release *struct {
		ID string `json:"id"`
	} `json:"release"`
	User struct {
		Email string `json:"email"`
	} `json:"user"`
	FailureMessage *string `json:"failure_message"`
}

func buildsCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name: "builds", Aliases: []string{"builds:list"}, Category: "builds",
			Usage: "list an app's newest builds",
			Flags: append(appFlags(), jsonFlag(),
				&cli.IntFlag{Name: "num", Aliases: []string{"n"}, Value: 15, Usage: "how many builds to show"}),
			Action: listBuilds,
		},
		{
			Name: "builds:output", Category: "builds",
			Usage: "show a build's output (the newest build's by default), following it while it runs", ArgsUsage: "[ID]",
			Flags:  appFlags(),
			Action: buildOutput,
		},
		{
			Name: "builds:create", Category: "builds",
			Usage:       "build a directory and release it, without git",
			Description: "Uploads DIR (the current directory by default) as a tarball: in a git work tree, the files git tracks or would (not those it ignores); elsewhere every file but .git. Then builds and releases it, showing the build's output.",
			Flags: append(appFlags(),
				&cli.StringFlag{Name: "dir", Value: ".", Usage: "the directory to build"},
				&cli.StringFlag{Name: "version", Usage: "the source's version, shown in the release (default: the git commit, when there is one)"}),
			Action: createBuild,
		},
	}
}

func listBuilds(c *cli.Context) error {
	cl, app, n, err := newestClient(c)
	if err != nil {
		return err
	}
	var bs []buildJSON
	raw, err := cl.getRange(c.Context, appPath(app, "builds"), fmt.Sprintf("started_at ..; max=%d, order=desc", n), &bs)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	if len(bs) == 0 {
		fmt.Fprintf(w, "%s has no builds yet: git push, or pier builds:create.\n", appLabel(app))
		return nil
	}
	rows := make([][]string, len(bs))
	for i, b := range bs {
		version := ""
		if b.SourceBlob.Version != nil {
			version = *b.SourceBlob.Version
		}
		rows[i] = []string{b.ID, b.Status, version, b.User.Email, humanTime(b.CreatedAt)}
	}
	printHeading(w, app+" Builds")
	printTable(w, []string{"ID", "Status", "Version", "User", "Created"}, rows)
	return nil
}

func buildOutput(c *cli.Context) error {
	if err := checkArgs(c, 0, 1); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	id := c.Args().First()
	if id == "" {
		var bs []buildJSON
		if _, err := cl.getRange(c.Context, appPath(app, "builds"), "started_at ..; max=1, order=desc", &bs); err != nil {
			return err
		}
		if len(bs) == 0 {
			return fmt.Errorf("%s has no builds yet", appLabel(app))
		}
		id = bs[0].ID
	}
	var b buildJSON
	if _, err := cl.get(c.Context, appPath(app, "builds", id), &b); err != nil {
		return err
	}
	return streamOutput(c.Context, c.App.Writer, b.OutputStreamURL)
}

// streamOutput copies a build's output stream to w until the build ends.
func streamOutput(ctx context.Context, w io.Writer, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := streamClient.Do(req)
	if err != nil {
		return fmt.Errorf("could not read the build's output: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("could not read the build's output: %s", res.Status)
	}
	if _, err := io.Copy(w, res.Body); err != nil {
		return fmt.Errorf("the build's output broke off: %w", err)
	}
	return nil
}

// streamClient has no overall timeout: uploads and build output take as
// long as they take.
var streamClient = &http.Client{}

func createBuild(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	dir := c.String("dir")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--dir %s is not a directory", dir)
	}
	version := c.String("version")
	if version == "" {
		version = gitCommit(dir)
	}
	w := c.App.Writer
	tarball, err := packDir(dir)
	if err != nil {
		return err
	}
	defer os.Remove(tarball.Name())
	defer tarball.Close()
	st, err := tarball.Stat()
	if err != nil {
		return err
	}
	var src struct {
		SourceBlob struct {
			GetURL string `json:"get_url"`
			PutURL string `json:"put_url"`
		} `json:"source_blob"`
	}
	if _, err := cl.post(c.Context, "/sources", map[string]any{}, &src); err != nil {
		return err
	}
	fmt.Fprintf(w, "Uploading %s (%s)... ", dir, sizeLabel(st.Size()))
	if err := upload(c.Context, src.SourceBlob.PutURL, tarball, st.Size()); err != nil {
		fmt.Fprintln(w)
		return err
	}
	fmt.Fprintln(w, "done")
	blob := map[string]any{"url": src.SourceBlob.GetURL}
	if version != "" {
		blob["version"] = version
	}
	var b buildJSON
	if _, err := cl.post(c.Context, appPath(app, "builds"), map[string]any{"source_blob": blob}, &b); err != nil {
		return err
	}
	if err := streamOutput(c.Context, w, b.OutputStreamURL); err != nil {
		return err
	}
	if _, err := cl.get(c.Context, appPath(app, "builds", b.ID), &b); err != nil {
		return err
	}
	if b.Status != "succeeded" {
		msg := "the build failed"
		if b.FailureMessage != nil {
			msg = "the build failed: " + strings.TrimSpace(*b.FailureMessage)
		}
		return errors.New(msg)
	}
	return nil
}

func upload(ctx context.Context, url string, r io.Reader, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, r)
	if err != nil {
		return err
	}
	req.ContentLength = size
	res, err := streamClient.Do(req)
	if err != nil {
		return fmt.Errorf("upload the source: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		var e apiError
		if jsonErr := json.Unmarshal(raw, &e); jsonErr == nil && e.Message != "" {
			return fmt.Errorf("upload the source: %s", e.Message)
		}
		return fmt.Errorf("upload the source: %s", res.Status)
	}
	return nil
}

func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
