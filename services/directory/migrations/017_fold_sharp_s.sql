-- Search folds ß (and ẞ) to "ss", as German and casefold write it: folded to one "s", a
-- search for "ß" found every name with an s in it. Every other letter as 006 folds it.
CREATE OR REPLACE FUNCTION directory.fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT lower(translate(regexp_replace(normalize(replace(replace(value, 'ß', 'ss'), 'ẞ', 'SS'), NFKD),
                                        '[\u0300-\u036f]', '', 'g'),
                         'ŁłØøĐđÆæŒœĦħıŦŧ', 'LlOoDdAaOoHhiTt'))
$$;
