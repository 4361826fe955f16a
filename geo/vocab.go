package geo

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Category indexes a Dataset's crime-category table.
type Category uint8

// Outcome indexes a Dataset's outcome-category table. NoOutcome (0) is the
// blank outcome of anti-social behaviour and of crimes not yet resolved.
type Outcome uint8

// Force indexes a Dataset's force table.
type Force uint8

// NoOutcome is the blank "Last outcome category".
const NoOutcome Outcome = 0

// MaxTerms bounds each vocabulary (categories, outcomes, forces) so that a
// term fits a byte in the crime table and a Set in four words.
const MaxTerms = 256

// Term is one entry of a vocabulary: the slug used in URLs and the API and the
// name as written in the CSV files.
type Term struct {
	Slug string `json:"url"`
	Name string `json:"name"`
}

// StandardCategories are the data.police.uk crime types in the order of its
// crime-categories method. They always hold the first indexes of a Dataset's
// category table, so Category values are stable across datasets.
var StandardCategories = []Term{
	{"anti-social-behaviour", "Anti-social behaviour"},
	{"bicycle-theft", "Bicycle theft"},
	{"burglary", "Burglary"},
	{"criminal-damage-arson", "Criminal damage and arson"},
	{"drugs", "Drugs"},
	{"other-theft", "Other theft"},
	{"possession-of-weapons", "Possession of weapons"},
	{"public-order", "Public order"},
	{"robbery", "Robbery"},
	{"shoplifting", "Shoplifting"},
	{"theft-from-the-person", "Theft from the person"},
	{"vehicle-crime", "Vehicle crime"},
	{"violent-crime", "Violence and sexual offences"},
	{"other-crime", "Other crime"},
	// Categories of the 2011-2013 files, still in the archive.
	{"public-disorder-weapons", "Public disorder and weapons"},
}

// categoryAliases maps older spellings to a standard category.
var categoryAliases = map[string]string{
	"Violent crime": "violent-crime",
}

// StandardOutcomes are the outcome categories of street and outcomes files,
// with data.police.uk's outcome codes. Index 0 is the blank outcome.
var StandardOutcomes = []Term{
	{"", ""},
	{"no-further-action", "Investigation complete; no suspect identified"},
	{"unable-to-prosecute", "Unable to prosecute suspect"},
	{"under-investigation", "Under investigation"},
	{"status-update-unavailable", "Status update unavailable"},
	{"awaiting-court-result", "Awaiting court outcome"},
	{"formal-action-not-in-public-interest", "Formal action is not in the public interest"},
	{"local-resolution", "Local resolution"},
	{"court-result-unavailable", "Court result unavailable"},
	{"cautioned", "Offender given a caution"},
	{"drugs-possession-warning", "Offender given a drugs possession warning"},
	{"imprisoned", "Offender sent to prison"},
	{"penalty-notice-issued", "Offender given penalty notice"},
	{"community-penalty", "Offender given community sentence"},
	{"fined", "Offender fined"},
	{"suspended-sentence", "Offender given suspended prison sentence"},
	{"action-taken-by-another-organisation", "Action to be taken by another organisation"},
	{"conditional-discharge", "Offender given conditional discharge"},
	{"not-guilty", "Defendant found not guilty"},
	{"unable-to-proceed", "Court case unable to proceed"},
	{"further-investigation-not-in-public-interest", "Further investigation is not in the public interest"},
	{"sentenced-in-another-case", "Suspect charged as part of another case"},
	{"other-court-disposal", "Offender otherwise dealt with"},
	{"compensation", "Offender ordered to pay compensation"},
	{"sent-to-crown-court", "Defendant sent to Crown Court"},
	{"deprived-of-property", "Offender deprived of property"},
	{"absolute-discharge", "Offender given absolute discharge"},
	{"charged", "Suspect charged"},
	{"further-action-not-in-public-interest", "Further action is not in the public interest"},
	{"awaiting-court-result", "Awaiting court result"},
}

// StandardForces are the data.police.uk forces: id and name as the street
// files write it in "Falls within".
var StandardForces = []Term{
	{"avon-and-somerset", "Avon and Somerset Constabulary"},
	{"bedfordshire", "Bedfordshire Police"},
	{"cambridgeshire", "Cambridgeshire Constabulary"},
	{"cheshire", "Cheshire Constabulary"},
	{"city-of-london", "City of London Police"},
	{"cleveland", "Cleveland Police"},
	{"cumbria", "Cumbria Constabulary"},
	{"derbyshire", "Derbyshire Constabulary"},
	{"devon-and-cornwall", "Devon & Cornwall Police"},
	{"dorset", "Dorset Police"},
	{"durham", "Durham Constabulary"},
	{"dyfed-powys", "Dyfed-Powys Police"},
	{"essex", "Essex Police"},
	{"gloucestershire", "Gloucestershire Constabulary"},
	{"greater-manchester", "Greater Manchester Police"},
	{"gwent", "Gwent Police"},
	{"hampshire", "Hampshire Constabulary"},
	{"hertfordshire", "Hertfordshire Constabulary"},
	{"humberside", "Humberside Police"},
	{"kent", "Kent Police"},
	{"lancashire", "Lancashire Constabulary"},
	{"leicestershire", "Leicestershire Police"},
	{"lincolnshire", "Lincolnshire Police"},
	{"merseyside", "Merseyside Police"},
	{"metropolitan", "Metropolitan Police Service"},
	{"norfolk", "Norfolk Constabulary"},
	{"north-wales", "North Wales Police"},
	{"north-yorkshire", "North Yorkshire Police"},
	{"northamptonshire", "Northamptonshire Police"},
	{"northumbria", "Northumbria Police"},
	{"nottinghamshire", "Nottinghamshire Police"},
	{"south-wales", "South Wales Police"},
	{"south-yorkshire", "South Yorkshire Police"},
	{"staffordshire", "Staffordshire Police"},
	{"suffolk", "Suffolk Constabulary"},
	{"surrey", "Surrey Police"},
	{"sussex", "Sussex Police"},
	{"thames-valley", "Thames Valley Police"},
	{"warwickshire", "Warwickshire Police"},
	{"west-mercia", "West Mercia Police"},
	{"west-midlands", "West Midlands Police"},
	{"west-yorkshire", "West Yorkshire Police"},
	{"wiltshire", "Wiltshire Police"},
	{"btp", "British Transport Police"},
	{"northern-ireland", "Police Service of Northern Ireland"},
}

// forceAliases maps other spellings seen in files to a standard force id.
var forceAliases = map[string]string{
	"Avon & Somerset Constabulary": "avon-and-somerset",
	"Dyfed Powys Police":           "dyfed-powys",
	"Humberside Constabulary":      "humberside",
}

// forceIDs maps every known spelling of a force's name, lower-cased, to its
// standard id: the standard names and the aliases.
var forceIDs = func() map[string]string {
	m := make(map[string]string, len(StandardForces)+len(forceAliases))
	for _, f := range StandardForces {
		m[strings.ToLower(f.Name)] = f.Slug
	}
	for name, id := range forceAliases {
		m[strings.ToLower(name)] = id
	}
	return m
}()

// ForceID turns a force's name as a file writes it ("Falls within") into a
// force id: the standard id when the name is a standard force's or a known
// alias of one, in any case, else the name's slug. It is the one rule for
// naming forces, so a force reads the same from a file name or a row.
func ForceID(name string) string {
	if id, ok := forceIDs[strings.ToLower(name)]; ok {
		return id
	}
	return Slug(name)
}

// Vocab is an append-only table of terms, looked up by slug or by name.
// Lookups by name accept any case, because forces differ in case.
type Vocab struct {
	terms  []Term
	bySlug map[string]int
	byName map[string]int
}

func newVocab(seed []Term, aliases map[string]string) *Vocab {
	v := &Vocab{bySlug: map[string]int{}, byName: map[string]int{}}
	for _, t := range seed {
		if _, dup := v.bySlug[t.Slug]; dup {
			v.byName[strings.ToLower(t.Name)] = v.bySlug[t.Slug]
			continue
		}
		v.add(t)
	}
	for name, slug := range aliases {
		v.byName[strings.ToLower(name)] = v.bySlug[slug]
	}
	return v
}

func (v *Vocab) add(t Term) int {
	i := len(v.terms)
	v.terms = append(v.terms, t)
	v.bySlug[t.Slug] = i
	v.byName[strings.ToLower(t.Name)] = i
	return i
}

// Len returns the number of terms.
func (v *Vocab) Len() int { return len(v.terms) }

// Term returns term i.
func (v *Vocab) Term(i int) Term { return v.terms[i] }

// Terms returns all terms; the caller must not modify them.
func (v *Vocab) Terms() []Term { return v.terms }

// BySlug returns the index of the term with this slug.
func (v *Vocab) BySlug(slug string) (int, bool) {
	i, ok := v.bySlug[slug]
	return i, ok
}

// ByName returns the index of the term with this name, in any case.
func (v *Vocab) ByName(name string) (int, bool) {
	i, ok := v.byName[strings.ToLower(name)]
	return i, ok
}

// intern returns the index of name, adding it with a slug made from it when it
// is new. It reports false when the vocabulary is full.
func (v *Vocab) intern(name string) (int, bool) {
	if i, ok := v.ByName(name); ok {
		return i, true
	}
	if len(v.terms) >= MaxTerms {
		return 0, false
	}
	// The suffix grows without bound: any number of names may slug
	// alike, and a vocabulary holds at most MaxTerms of them.
	base := Slug(name)
	slug := base
	for n := 2; ; n++ {
		if _, taken := v.bySlug[slug]; !taken {
			break
		}
		slug = base + "-" + strconv.Itoa(n)
	}
	return v.add(Term{Slug: slug, Name: name}), true
}

// TermBudget admits the terms of a load before the Dataset is built, so
// that no vocabulary overflows in Build: a loader asks it for each new crime
// type, outcome category and force, and rejects the rows (or the file) it
// refuses. It counts terms as a Dataset's vocabularies do (names in any case,
// the standard terms and their aliases included), over every batch offered,
// so the batches a Builder keeps never hold more than MaxTerms of any
// kind. Which rows it refuses once a vocabulary is full depends on the order
// they are offered in. It is safe for concurrent use.
type TermBudget struct {
	mu                       sync.Mutex
	categories, outcomes, fs *Vocab
}

// NewTermBudget returns a budget holding the standard terms.
func NewTermBudget() *TermBudget {
	return &TermBudget{
		categories: newVocab(StandardCategories, categoryAliases),
		outcomes:   newVocab(StandardOutcomes, nil),
		fs:         newVocab(StandardForces, forceAliases),
	}
}

// Category reports whether the crime type name fits the category table.
func (b *TermBudget) Category(name []byte) bool { return b.admit(b.categories, name) }

// Outcome reports whether the outcome category name (of a street row's Last
// outcome category or an outcomes row's Outcome type) fits the outcome table.
func (b *TermBudget) Outcome(name []byte) bool { return b.admit(b.outcomes, name) }

func (b *TermBudget) admit(v *Vocab, name []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := v.intern(string(name))
	return ok
}

// Force reports whether the force id fits the force table.
func (b *TermBudget) Force(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.fs.BySlug(id); ok {
		return true
	}
	if b.fs.Len() >= MaxTerms {
		return false
	}
	b.fs.add(Term{Slug: id, Name: id})
	return true
}

// HasControl reports whether s holds a control character (NUL, a line
// break, a C1 control, ...). Such a character in a term would make a
// category or force that looks like another but is not.
func HasControl(s []byte) bool {
	for _, r := range string(s) {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// Slug turns a name into a lower-case, hyphen-separated identifier, the way
// data.police.uk spells force ids: "Avon and Somerset" -> "avon-and-somerset".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '&':
			if b.Len() > 0 {
				b.WriteString("-and")
			}
			dash = true
		default:
			dash = true
		}
	}
	return b.String()
}
