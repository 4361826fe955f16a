package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"crimemap/watch"
)

const schemeCols = `id, name, description, area_wkt, centre_lng, centre_lat, radius_m, neighbourhood, force, contact, status, created, updated`

func scanScheme(r rowScanner) (watch.Scheme, error) {
	var s watch.Scheme
	var area string
	var created, updated int64
	err := r.Scan(&s.ID, &s.Name, &s.Description, &area, &s.Area.Centre[0], &s.Area.Centre[1], &s.Area.RadiusM,
		&s.Area.Neighbourhood, &s.Force, &s.Contact, &s.Status, &created, &updated)
	if err != nil {
		return s, err
	}
	s.Created, s.Updated = tm(created), tm(updated)
	if area != "" {
		g, err := wkt.Unmarshal(area)
		if err != nil {
			return s, fmt.Errorf("scheme %d area: %w", s.ID, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return s, fmt.Errorf("scheme %d area: %s, not a MULTIPOLYGON", s.ID, g.GeoJSONType())
		}
		s.Area.Polygon = mp
	}
	return s, nil
}

func areaWKT(a watch.Area) string {
	if a.IsCircle() {
		return ""
	}
	return wkt.MarshalString(a.Polygon)
}

// CreateScheme stores a new scheme with its coordinators.
func (s *DB) CreateScheme(ctx context.Context, sc watch.Scheme) (watch.Scheme, error) {
	if err := sc.Validate(); err != nil {
		return watch.Scheme{}, fmt.Errorf("create scheme: %w", err)
	}
	var err error
	err = s.tx(ctx, func(tx *sql.Tx) error {
		sc, err = s.insertScheme(ctx, tx, sc)
		return err
	})
	if err != nil {
		return watch.Scheme{}, s.classify("create scheme", err)
	}
	return sc, nil
}

// insertScheme stores a checked scheme and its coordinators within tx.
func (s *DB) insertScheme(ctx context.Context, tx *sql.Tx, sc watch.Scheme) (watch.Scheme, error) {
	sc.Created, sc.Updated = Truncate(sc.Created), Truncate(sc.Created)
	id, err := s.insertID(ctx, tx, `INSERT INTO schemes (name, description, area_wkt, centre_lng, centre_lat, radius_m,
		neighbourhood, force, contact, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sc.Name, sc.Description, areaWKT(sc.Area), sc.Area.Centre[0], sc.Area.Centre[1], sc.Area.RadiusM,
		sc.Area.Neighbourhood, sc.Force, sc.Contact, string(sc.Status), us(sc.Created), us(sc.Updated))
	if err != nil {
		return sc, err
	}
	sc.ID = id
	sc.Coordinators = normaliseIDs(sc.Coordinators)
	return sc, s.setCoordinators(ctx, tx, id, sc.Coordinators)
}

func normaliseIDs(ids []int64) []int64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// setCoordinators replaces a scheme's coordinators within tx. Only
// coordinator accounts may be one, and the scheme's public contact route
// may not be their own address.
func (s *DB) setCoordinators(ctx context.Context, tx *sql.Tx, schemeID int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM scheme_coordinators WHERE scheme_id = ?`), schemeID); err != nil {
		return err
	}
	var contact string
	if err := tx.QueryRowContext(ctx, s.q(`SELECT contact FROM schemes WHERE id = ?`), schemeID).Scan(&contact); err != nil {
		return err
	}
	var users []watch.User
	for _, id := range normaliseIDs(ids) {
		u, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
		if err != nil {
			return fmt.Errorf("coordinator %d: %w", id, err)
		}
		if u.Role != watch.RoleCoordinator {
			return fmt.Errorf("user %d is %s, not a coordinator: %w", id, u.Role, watch.ErrConflict)
		}
		users = append(users, u)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO scheme_coordinators (scheme_id, user_id) VALUES (?, ?)`), schemeID, id); err != nil {
			return err
		}
	}
	return watch.CheckContact(contact, users)
}

// SetCoordinators replaces a scheme's coordinators.
func (s *DB) SetCoordinators(ctx context.Context, schemeID int64, ids []int64) error {
	err := s.tx(ctx, func(tx *sql.Tx) error { return s.setCoordinators(ctx, tx, schemeID, ids) })
	return s.classify(fmt.Sprintf("scheme %d coordinators", schemeID), err)
}

func (s *DB) coordinators(ctx context.Context, e execer, sc *watch.Scheme) error {
	ids, err := queryAll(ctx, s, e, func(r rowScanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, `SELECT user_id FROM scheme_coordinators WHERE scheme_id = ? ORDER BY user_id`, sc.ID)
	sc.Coordinators = ids
	return err
}

// Scheme returns one scheme.
func (s *DB) Scheme(ctx context.Context, id int64) (watch.Scheme, error) {
	sc, err := scanScheme(s.r.QueryRowContext(ctx, s.q(`SELECT `+schemeCols+` FROM schemes WHERE id = ?`), id))
	if err == nil {
		err = s.coordinators(ctx, s.r, &sc)
	}
	if err != nil {
		return watch.Scheme{}, s.classify(fmt.Sprintf("scheme %d", id), err)
	}
	return sc, nil
}

// UpdateScheme replaces a scheme's details and coordinators; Created is
// kept from the store.
func (s *DB) UpdateScheme(ctx context.Context, sc watch.Scheme) (watch.Scheme, error) {
	if err := sc.Validate(); err != nil {
		return watch.Scheme{}, fmt.Errorf("update scheme %d: %w", sc.ID, err)
	}
	sc.Updated = Truncate(sc.Updated)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := affected(tx.ExecContext(ctx, s.q(`UPDATE schemes SET name = ?, description = ?, area_wkt = ?, centre_lng = ?,
			centre_lat = ?, radius_m = ?, neighbourhood = ?, force = ?, contact = ?, status = ?, updated = ? WHERE id = ?`),
			sc.Name, sc.Description, areaWKT(sc.Area), sc.Area.Centre[0], sc.Area.Centre[1], sc.Area.RadiusM,
			sc.Area.Neighbourhood, sc.Force, sc.Contact, string(sc.Status), us(sc.Updated), sc.ID))
		if err != nil {
			return err
		}
		var created int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT created FROM schemes WHERE id = ?`), sc.ID).Scan(&created); err != nil {
			return err
		}
		sc.Created = tm(created)
		return s.setCoordinators(ctx, tx, sc.ID, sc.Coordinators)
	})
	if err != nil {
		return watch.Scheme{}, s.classify(fmt.Sprintf("update scheme %d", sc.ID), err)
	}
	sc.Coordinators = normaliseIDs(sc.Coordinators)
	return sc, nil
}

// ListSchemes returns the schemes f matches, by id.
func (s *DB) ListSchemes(ctx context.Context, f watch.SchemeFilter) ([]watch.Scheme, error) {
	var where []string
	var args []any
	if f.Force != "" {
		where, args = append(where, "force = ?"), append(args, f.Force)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.CoordinatorID != 0 {
		where = append(where, "id IN (SELECT scheme_id FROM scheme_coordinators WHERE user_id = ?)")
		args = append(args, f.CoordinatorID)
	}
	query := `SELECT ` + schemeCols + ` FROM schemes`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	out, err := queryAll(ctx, s, s.r, scanScheme, query+" ORDER BY id", args...)
	for i := range out {
		if err != nil {
			break
		}
		err = s.coordinators(ctx, s.r, &out[i])
	}
	if err != nil {
		return nil, s.classify("list schemes", err)
	}
	return out, nil
}
