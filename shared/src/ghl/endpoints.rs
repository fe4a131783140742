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
    /// The OAuth scope its spec security section names.
    pub scope: &'static str,
}

const fn contacts(method: &'static str, path: &'static str, scope: &'static str) -> Endpoint {
    Endpoint {
        spec: "apps/contacts.json",
        method,
        path,
        version: "2021-07-28",
        scope,
    }
}

const fn read(method: &'static str, path: &'static str) -> Endpoint {
    contacts(method, path, "contacts.readonly")
}

const fn write(method: &'static str, path: &'static str) -> Endpoint {
    contacts(method, path, "contacts.write")
}

const fn locations(path: &'static str, scope: &'static str) -> Endpoint {
    Endpoint {
        spec: "apps/locations.json",
        method: "GET",
        path,
        version: "2021-07-28",
        scope,
    }
}

pub const GET_CONTACT: Endpoint = read("GET", "/contacts/{contactId}");
pub const CREATE_CONTACT: Endpoint = write("POST", "/contacts/");
pub const UPDATE_CONTACT: Endpoint = write("PUT", "/contacts/{contactId}");
pub const DELETE_CONTACT: Endpoint = write("DELETE", "/contacts/{contactId}");
pub const UPSERT_CONTACT: Endpoint = write("POST", "/contacts/upsert");
pub const SEARCH_CONTACTS: Endpoint = read("POST", "/contacts/search");
pub const FIND_DUPLICATE: Endpoint = read("GET", "/contacts/search/duplicate");
pub const LIST_CONTACTS: Endpoint = read("GET", "/contacts/");
pub const CONTACTS_BY_BUSINESS: Endpoint = read("GET", "/contacts/business/{businessId}");
pub const ADD_TAGS: Endpoint = write("POST", "/contacts/{contactId}/tags");
pub const REMOVE_TAGS: Endpoint = write("DELETE", "/contacts/{contactId}/tags");
pub const LIST_NOTES: Endpoint = read("GET", "/contacts/{contactId}/notes");
pub const GET_NOTE: Endpoint = read("GET", "/contacts/{contactId}/notes/{id}");
pub const CREATE_NOTE: Endpoint = write("POST", "/contacts/{contactId}/notes");
pub const UPDATE_NOTE: Endpoint = write("PUT", "/contacts/{contactId}/notes/{id}");
pub const DELETE_NOTE: Endpoint = write("DELETE", "/contacts/{contactId}/notes/{id}");
pub const LIST_TASKS: Endpoint = read("GET", "/contacts/{contactId}/tasks");
pub const GET_TASK: Endpoint = read("GET", "/contacts/{contactId}/tasks/{taskId}");
pub const CREATE_TASK: Endpoint = write("POST", "/contacts/{contactId}/tasks");
pub const UPDATE_TASK: Endpoint = write("PUT", "/contacts/{contactId}/tasks/{taskId}");
pub const COMPLETE_TASK: Endpoint = write("PUT", "/contacts/{contactId}/tasks/{taskId}/completed");
pub const DELETE_TASK: Endpoint = write("DELETE", "/contacts/{contactId}/tasks/{taskId}");
pub const LIST_APPOINTMENTS: Endpoint = read("GET", "/contacts/{contactId}/appointments");
pub const LOCATION_CUSTOM_FIELDS: Endpoint = locations(
    "/locations/{locationId}/customFields",
    "locations/customFields.readonly",
);
pub const LOCATION_TAGS: Endpoint =
    locations("/locations/{locationId}/tags", "locations/tags.readonly");

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
