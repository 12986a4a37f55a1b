package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/google/uuid"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Println("id", uuid.NewSHA1(uuid.NameSpaceURL, []byte(os.Args[1])))
		return
	}
	http.ListenAndServe(":"+os.Getenv("PORT"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from go, version 1")
	}))
}
