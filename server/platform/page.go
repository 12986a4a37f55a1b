package platform

// Page asks for one page of a list, as a Heroku Range header does. Field is one
// of the list's sortable fields; Start and End are already checked to parse as
// that field's type. Bounds apply in the list's order: with Desc, Start is the
// largest value wanted.
type Page struct {
	Field          string
	Start, End     string
	StartExclusive bool
	EndExclusive   bool
	Max            int
	Desc           bool
}
