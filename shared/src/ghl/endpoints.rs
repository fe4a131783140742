//! Every endpoint the client calls, with the `Version` header its definition in the spec
//! declares (G16). Each request is built from one of these, so no call can use a global default;
//! a test checks each entry against `../shared/ghl-openapi/`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The spec file that defines it, under `ghl-openapi/`.
    pub spec: &'static str,
    pub method: &'static str,
    /// The path template as the spec writes it.
    pub path: &'static str,
    pub version: &'static str,
}

const fn contacts(method: &'static str, path: &'static str) -> Endpoint {
    Endpoint {
        spec: "apps/contacts.json",
        method,
        path,
        version: "2021-07-28",
    }
}

const fn locations(method: &'static str, path: &'static str) -> Endpoint {
    Endpoint {
        spec: "apps/locations.json",
        method,
        path,
        version: "2021-07-28",
    }
}

pub const GET_CONTACT: Endpoint = contacts("GET", "/contacts/{contactId}");
pub const CREATE_CONTACT: Endpoint = contacts("POST", "/contacts/");
pub const UPDATE_CONTACT: Endpoint = contacts("PUT", "/contacts/{contactId}");
pub const DELETE_CONTACT: Endpoint = contacts("DELETE", "/contacts/{contactId}");
pub const UPSERT_CONTACT: Endpoint = contacts("POST", "/contacts/upsert");
pub const SEARCH_CONTACTS: Endpoint = contacts("POST", "/contacts/search");
pub const FIND_DUPLICATE: Endpoint = contacts("GET", "/contacts/search/duplicate");
pub const LIST_CONTACTS: Endpoint = contacts("GET", "/contacts/");
pub const CONTACTS_BY_BUSINESS: Endpoint = contacts("GET", "/contacts/business/{businessId}");
pub const ADD_TAGS: Endpoint = contacts("POST", "/contacts/{contactId}/tags");
pub const REMOVE_TAGS: Endpoint = contacts("DELETE", "/contacts/{contactId}/tags");
pub const LIST_NOTES: Endpoint = contacts("GET", "/contacts/{contactId}/notes");
pub const GET_NOTE: Endpoint = contacts("GET", "/contacts/{contactId}/notes/{id}");
pub const CREATE_NOTE: Endpoint = contacts("POST", "/contacts/{contactId}/notes");
pub const UPDATE_NOTE: Endpoint = contacts("PUT", "/contacts/{contactId}/notes/{id}");
pub const DELETE_NOTE: Endpoint = contacts("DELETE", "/contacts/{contactId}/notes/{id}");
pub const LIST_TASKS: Endpoint = contacts("GET", "/contacts/{contactId}/tasks");
pub const GET_TASK: Endpoint = contacts("GET", "/contacts/{contactId}/tasks/{taskId}");
pub const CREATE_TASK: Endpoint = contacts("POST", "/contacts/{contactId}/tasks");
pub const UPDATE_TASK: Endpoint = contacts("PUT", "/contacts/{contactId}/tasks/{taskId}");
pub const COMPLETE_TASK: Endpoint =
    contacts("PUT", "/contacts/{contactId}/tasks/{taskId}/completed");
pub const DELETE_TASK: Endpoint = contacts("DELETE", "/contacts/{contactId}/tasks/{taskId}");
pub const LIST_APPOINTMENTS: Endpoint = contacts("GET", "/contacts/{contactId}/appointments");
pub const LOCATION_CUSTOM_FIELDS: Endpoint =
    locations("GET", "/locations/{locationId}/customFields");
pub const LOCATION_TAGS: Endpoint = locations("GET", "/locations/{locationId}/tags");

/// Every endpoint above.
pub const ALL: &[Endpoint] = &[
    GET_CONTACT,
    CREATE_CONTACT,
    UPDATE_CONTACT,
    DELETE_CONTACT,
    UPSERT_CONTACT,
    SEARCH_CONTACTS,
    FIND_DUPLICATE,
    LIST_CONTACTS,
    CONTACTS_BY_BUSINESS,
    ADD_TAGS,
    REMOVE_TAGS,
    LIST_NOTES,
    GET_NOTE,
    CREATE_NOTE,
    UPDATE_NOTE,
    DELETE_NOTE,
    LIST_TASKS,
    GET_TASK,
    CREATE_TASK,
    UPDATE_TASK,
    COMPLETE_TASK,
    DELETE_TASK,
    LIST_APPOINTMENTS,
    LOCATION_CUSTOM_FIELDS,
    LOCATION_TAGS,
];

impl Endpoint {
    /// The path with each `{param}` replaced, in order, by a percent-encoded value.
    pub fn path_with(&self, params: &[&str]) -> Result<String, String> {
        let mut out = String::with_capacity(self.path.len() + 32);
        let mut rest = self.path;
        let mut values = params.iter();
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .ok_or_else(|| format!("bad template {}", self.path))?;
            let value = values
                .next()
                .ok_or_else(|| format!("{} needs more path parameters", self.path))?;
            if value.is_empty() {
                return Err(format!("{}: an empty id", self.path));
            }
            out.push_str(&rest[..start]);
            out.extend(percent_encoding::utf8_percent_encode(
                value,
                percent_encoding::NON_ALPHANUMERIC,
            ));
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        if values.next().is_some() {
            return Err(format!("{} takes fewer path parameters", self.path));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_substituted_and_encoded() {
        assert_eq!(
            GET_TASK.path_with(&["c 1", "t/2"]).unwrap(),
            "/contacts/c%201/tasks/t%2F2"
        );
        assert_eq!(CREATE_CONTACT.path_with(&[]).unwrap(), "/contacts/");
        assert!(GET_TASK.path_with(&["c1"]).is_err());
        assert!(GET_CONTACT.path_with(&[""]).is_err());
        assert!(GET_CONTACT.path_with(&["a", "b"]).is_err());
    }
}
