package cli

import (
	"fmt"
	"io"
	"strings"
)

// printError prints err as one readable line.
func printError(w io.Writer, err error) {
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", " ")
	fmt.Fprintf(w, " ▸    %s\n", msg)
}
