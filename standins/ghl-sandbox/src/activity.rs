//! A contact's tasks, single notes and appointments: the request bodies (`CreateTaskParams`,
//! `UpdateTaskBody`, `UpdateTaskStatusParams`, `UpdateNoteDTO`, the admin's appointment) with
//! class-validator's messages, and the [`Store`] operations on them. Pure, like the store: each
//! write takes `now`. A task or note id that is unknown, or belongs to another contact, is a 400
//! "Task not found" / "Note not found" (the spec lists 400, not 404, for these endpoints).

use serde_json::{Map, Value};

use crate::{
    error::GhlError,
    model::{Appointment, Contact, Note, Task},
    store::{DEMO_CALENDAR_ID, Store, object},
    time::{self, Millis},
};

/// The message of an unknown task id.
pub const TASK_NOT_FOUND: &str = "Task not found";
/// The message of an unknown note id.
pub const NOTE_NOT_FOUND: &str = "Note not found";
/// The values `appointmentStatus` may take (calendars.json).
pub const APPOINTMENT_STATUSES: &[&str] = &[
    "booked",
    "confirmed",
    "cancelled",
    "showed",
    "noshow",
    "invalid",
];
/// An appointment seeded without `endTime` lasts this long.
pub const DEFAULT_APPOINTMENT_MS: Millis = 30 * 60_000;

/// Collects class-validator messages while a body is read.
struct Checker<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<String>,
}

impl<'a> Checker<'a> {
    /// Start with one "should not exist" message per property outside `allowed`.
    fn new(body: &'a Map<String, Value>, allowed: &[&str]) -> Self {
        let errors = body
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| format!("property {k} should not exist"))
            .collect();
        Self { body, errors }
    }

    /// An optional string: absent is `None`, `null` is `Some(None)` (clears).
    fn text(&mut self, key: &str) -> Option<Option<String>> {
        match self.body.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => {
                self.errors.push(format!("{key} must be a string"));
                None
            }
        }
    }

    /// A string that must not be empty; `required` also refuses its absence.
    fn non_empty_text(&mut self, key: &str, required: bool) -> Option<String> {
        match self.body.get(key) {
            None | Some(Value::Null) if !required => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::String(_)) => {
                self.errors.push(format!("{key} should not be empty"));
                None
            }
            None | Some(Value::Null) => {
                self.errors.push(format!("{key} should not be empty"));
                self.errors.push(format!("{key} must be a string"));
                None
            }
            Some(_) => {
                self.errors.push(format!("{key} must be a string"));
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, required: bool) -> Option<bool> {
        match self.body.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                self.errors.push(format!("{key} should not be empty"));
                self.errors.push(format!("{key} must be a boolean value"));
                None
            }
            Some(_) => {
                self.errors.push(format!("{key} must be a boolean value"));
                None
            }
        }
    }

    /// An ISO 8601 date string (`IsDateString`), as ms and as written.
    fn date(&mut self, key: &str, required: bool) -> Option<(Millis, String)> {
        let refuse = format!("{key} must be a valid ISO 8601 date string");
        match self.body.get(key) {
            None | Some(Value::Null) if !required => None,
            None | Some(Value::Null) => {
                self.errors.push(format!("{key} should not be empty"));
                self.errors.push(refuse);
                None
            }
            Some(Value::String(s)) => match time::parse_datetime(s) {
                Some(ms) => Some((ms, s.trim().to_string())),
                None => {
                    self.errors.push(refuse);
                    None
                }
            },
            Some(_) => {
                self.errors.push(refuse);
                None
            }
        }
    }

    fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        match self.body.get(key)? {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => {
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                if strings.is_none() {
                    self.errors
                        .push(format!("each value in {key} must be a string"));
                }
                strings
            }
            _ => {
                self.errors.push(format!("{key} must be an array"));
                None
            }
        }
    }

    fn finish(self) -> Result<(), GhlError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(GhlError::unprocessable(self.errors))
        }
    }
}

/// A checked task body; `None` leaves a property as it is.
#[derive(Clone, Debug, Default, PartialEq)]
struct TaskInput {
    title: Option<String>,
    body: Option<Option<String>>,
    due_date: Option<Millis>,
    completed: Option<bool>,
    assigned_to: Option<Option<String>>,
}

const TASK_PROPERTIES: &[&str] = &["title", "body", "dueDate", "completed", "assignedTo"];

/// `CreateTaskParams` (`create`: `title`, `dueDate`, `completed` required) or `UpdateTaskBody`.
fn task_body(body: &Value, create: bool) -> Result<TaskInput, GhlError> {
    let mut check = Checker::new(object(body)?, TASK_PROPERTIES);
    let input = TaskInput {
        title: check.non_empty_text("title", create),
        body: check.text("body"),
        due_date: check.date("dueDate", create).map(|(ms, _)| ms),
        completed: check.boolean("completed", create),
        assigned_to: check.text("assignedTo"),
    };
    check.finish()?;
    Ok(input)
}

/// `UpdateNoteDTO`: every property optional; `null` clears `userId`, `title`, `color`.
#[derive(Clone, Debug, Default, PartialEq)]
struct NoteChanges {
    body: Option<String>,
    user_id: Option<Option<String>>,
    title: Option<Option<String>>,
    color: Option<Option<String>>,
    pinned: Option<bool>,
}

fn note_changes(body: &Value) -> Result<NoteChanges, GhlError> {
    let mut check = Checker::new(
        object(body)?,
        &["userId", "body", "title", "color", "pinned"],
    );
    let changes = NoteChanges {
        body: check.non_empty_text("body", false),
        user_id: check.text("userId"),
        title: check.text("title"),
        color: check.text("color"),
        pinned: check.boolean("pinned", false),
    };
    check.finish()?;
    Ok(changes)
}

const APPOINTMENT_PROPERTIES: &[&str] = &[
    "calendarId",
    "title",
    "appointmentStatus",
    "status",
    "assignedUserId",
    "notes",
    "address",
    "groupId",
    "startTime",
    "endTime",
    "users",
    "assignedResources",
];

impl Store {
    fn contact_mut_in(&mut self, location: &str, id: &str) -> Result<&mut Contact, GhlError> {
        self.loc_mut(location)?
            .contact_mut(id)
            .ok_or_else(GhlError::contact_not_found)
    }

    // ---- tasks ----

    /// `GET /contacts/{contactId}/tasks`: in creation order.
    pub fn tasks(&self, location: &str, contact_id: &str) -> Result<&[Task], GhlError> {
        Ok(&self.contact(location, contact_id)?.tasks)
    }

    /// `GET /contacts/{contactId}/tasks/{taskId}`.
    pub fn task(&self, location: &str, contact_id: &str, id: &str) -> Result<&Task, GhlError> {
        self.contact(location, contact_id)?
            .tasks
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| GhlError::bad_request(TASK_NOT_FOUND))
    }

    /// `POST /contacts/{contactId}/tasks` with a `CreateTaskParams` body.
    pub fn create_task(
        &mut self,
        location: &str,
        contact_id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Task, GhlError> {
        let input = task_body(body, true)?;
        self.contact(location, contact_id)?;
        let task = Task {
            id: self.ids.next_id(),
            contact_id: contact_id.to_string(),
            title: input.title.unwrap_or_default(),
            body: input.body.flatten(),
            assigned_to: input.assigned_to.flatten(),
            due_date: input.due_date.unwrap_or(now),
            completed: input.completed.unwrap_or(false),
            date_added: now,
        };
        self.contact_mut_in(location, contact_id)?
            .tasks
            .push(task.clone());
        Ok(task)
    }

    fn task_mut(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
    ) -> Result<&mut Task, GhlError> {
        self.contact_mut_in(location, contact_id)?
            .tasks
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| GhlError::bad_request(TASK_NOT_FOUND))
    }

    /// `PUT /contacts/{contactId}/tasks/{taskId}` with an `UpdateTaskBody`: only what it names
    /// changes.
    pub fn update_task(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
        body: &Value,
    ) -> Result<Task, GhlError> {
        let input = task_body(body, false)?;
        let task = self.task_mut(location, contact_id, id)?;
        if let Some(title) = input.title {
            task.title = title;
        }
        if let Some(text) = input.body {
            task.body = text;
        }
        if let Some(due) = input.due_date {
            task.due_date = due;
        }
        if let Some(completed) = input.completed {
            task.completed = completed;
        }
        if let Some(assigned) = input.assigned_to {
            task.assigned_to = assigned;
        }
        Ok(task.clone())
    }

    /// `PUT /contacts/{contactId}/tasks/{taskId}/completed` with `{"completed": bool}`.
    pub fn complete_task(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
        body: &Value,
    ) -> Result<Task, GhlError> {
        let mut check = Checker::new(object(body)?, &["completed"]);
        let completed = check.boolean("completed", true);
        check.finish()?;
        let task = self.task_mut(location, contact_id, id)?;
        if let Some(completed) = completed {
            task.completed = completed;
        }
        Ok(task.clone())
    }

    /// `DELETE /contacts/{contactId}/tasks/{taskId}`.
    pub fn delete_task(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
    ) -> Result<(), GhlError> {
        let contact = self.contact_mut_in(location, contact_id)?;
        let index = contact
            .tasks
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| GhlError::bad_request(TASK_NOT_FOUND))?;
        contact.tasks.remove(index);
        Ok(())
    }

    // ---- single notes ----

    /// `GET /contacts/{contactId}/notes/{id}`.
    pub fn note(&self, location: &str, contact_id: &str, id: &str) -> Result<&Note, GhlError> {
        self.contact(location, contact_id)?
            .notes
            .iter()
            .find(|n| n.id == id)
            .ok_or_else(|| GhlError::bad_request(NOTE_NOT_FOUND))
    }

    /// `PUT /contacts/{contactId}/notes/{id}` with an `UpdateNoteDTO` body.
    pub fn update_note(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
        body: &Value,
    ) -> Result<Note, GhlError> {
        let changes = note_changes(body)?;
        let note = self
            .contact_mut_in(location, contact_id)?
            .notes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or_else(|| GhlError::bad_request(NOTE_NOT_FOUND))?;
        if let Some(text) = changes.body {
            note.body = text;
        }
        if let Some(user_id) = changes.user_id {
            note.user_id = user_id;
        }
        if let Some(title) = changes.title {
            note.title = title;
        }
        if let Some(color) = changes.color {
            note.color = color;
        }
        if let Some(pinned) = changes.pinned {
            note.pinned = pinned;
        }
        Ok(note.clone())
    }

    /// `DELETE /contacts/{contactId}/notes/{id}`.
    pub fn delete_note(
        &mut self,
        location: &str,
        contact_id: &str,
        id: &str,
    ) -> Result<(), GhlError> {
        let contact = self.contact_mut_in(location, contact_id)?;
        let index = contact
            .notes
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| GhlError::bad_request(NOTE_NOT_FOUND))?;
        contact.notes.remove(index);
        Ok(())
    }

    // ---- appointments ----

    /// `GET /contacts/{contactId}/appointments`: by start time.
    pub fn appointments(
        &self,
        location: &str,
        contact_id: &str,
    ) -> Result<Vec<Appointment>, GhlError> {
        let mut events = self.contact(location, contact_id)?.appointments.clone();
        events.sort_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)));
        Ok(events)
    }

    /// Book an appointment for a contact directly (admin; the calendars API is not served).
    /// `startTime` is required; `endTime` defaults to 30 minutes later, `calendarId` to
    /// [`DEMO_CALENDAR_ID`], `appointmentStatus` (or `status`) to `booked`.
    pub fn admin_add_appointment(
        &mut self,
        contact_id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Appointment, GhlError> {
        let mut check = Checker::new(object(body)?, APPOINTMENT_PROPERTIES);
        let start = check.date("startTime", true);
        let end = check.date("endTime", false);
        let calendar_id = check.non_empty_text("calendarId", false);
        let title = check.text("title").flatten();
        let status = check
            .non_empty_text("appointmentStatus", false)
            .or_else(|| check.non_empty_text("status", false));
        if let Some(status) = &status
            && !APPOINTMENT_STATUSES.contains(&status.as_str())
        {
            check.errors.push(format!(
                "appointmentStatus must be one of the following values: {}",
                APPOINTMENT_STATUSES.join(", ")
            ));
        }
        let assigned_user_id = check.text("assignedUserId").flatten();
        let notes = check.text("notes").flatten();
        let address = check.text("address").flatten();
        let group_id = check.text("groupId").flatten();
        let users = check.strings("users").unwrap_or_default();
        let assigned_resources = check.strings("assignedResources").unwrap_or_default();
        check.finish()?;
        let Some((starts_at, start_time)) = start else {
            return Err(GhlError::unprocessable_one("startTime should not be empty"));
        };
        let end_time = match end {
            Some((_, text)) => text,
            None => time::iso(starts_at.saturating_add(DEFAULT_APPOINTMENT_MS)),
        };
        let location = self.location_of(contact_id)?;
        let appointment = Appointment {
            id: self.ids.next_id(),
            location_id: location.clone(),
            contact_id: contact_id.to_string(),
            calendar_id: calendar_id.unwrap_or_else(|| DEMO_CALENDAR_ID.to_string()),
            title,
            appointment_status: status.unwrap_or_else(|| "booked".to_string()),
            assigned_user_id,
            notes,
            address,
            group_id,
            start_time,
            end_time,
            starts_at,
            users,
            assigned_resources,
            date_added: now,
            date_updated: now,
        };
        self.contact_mut_in(&location, contact_id)?
            .appointments
            .push(appointment.clone());
        Ok(appointment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEMO_LOCATION_ID, OTHER_LOCATION_ID};
    use serde_json::json;

    const T0: Millis = 1_700_000_000_000;

    fn store_with_contact() -> (Store, String) {
        let mut store = Store::new();
        let contact = store
            .create_contact(
                DEMO_LOCATION_ID,
                &json!({"locationId": DEMO_LOCATION_ID, "email": "t@example.com"}),
                T0,
            )
            .unwrap();
        (store, contact.id)
    }

    #[test]
    fn tasks_are_created_updated_completed_and_deleted() {
        let (mut store, id) = store_with_contact();
        let missing = store
            .create_task(DEMO_LOCATION_ID, &id, &json!({"title": "x"}), T0)
            .unwrap_err();
        assert_eq!(missing.status, 422);
        assert!(missing.text().contains("dueDate should not be empty"));
        let task = store
            .create_task(
                DEMO_LOCATION_ID,
                &id,
                &json!({"title": "Call", "dueDate": "2024-05-01T10:00:00+02:00", "completed": false}),
                T0,
            )
            .unwrap();
        assert_eq!(
            task.due_date,
            time::parse_iso("2024-05-01T08:00:00Z").unwrap()
        );
        let updated = store
            .update_task(DEMO_LOCATION_ID, &id, &task.id, &json!({"body": "notes"}))
            .unwrap();
        assert_eq!(
            (updated.title.as_str(), updated.body.as_deref()),
            ("Call", Some("notes"))
        );
        let done = store
            .complete_task(DEMO_LOCATION_ID, &id, &task.id, &json!({"completed": true}))
            .unwrap();
        assert!(done.completed);
        let other = store.task(OTHER_LOCATION_ID, &id, &task.id).unwrap_err();
        assert_eq!(other.text(), "Contact not found");
        store.delete_task(DEMO_LOCATION_ID, &id, &task.id).unwrap();
        let gone = store.task(DEMO_LOCATION_ID, &id, &task.id).unwrap_err();
        assert_eq!(
            (gone.status, gone.text()),
            (400, TASK_NOT_FOUND.to_string())
        );
    }

    #[test]
    fn appointments_need_a_start_and_a_known_status() {
        let (mut store, id) = store_with_contact();
        let bad = store
            .admin_add_appointment(&id, &json!({"appointmentStatus": "late", "x": 1}), T0)
            .unwrap_err();
        assert_eq!(bad.status, 422);
        assert_eq!(
            bad.message,
            crate::error::Message::List(vec![
                "property x should not exist".into(),
                "startTime should not be empty".into(),
                "startTime must be a valid ISO 8601 date string".into(),
                "appointmentStatus must be one of the following values: booked, confirmed, cancelled, showed, noshow, invalid".into(),
            ])
        );
        let later = store
            .admin_add_appointment(&id, &json!({"startTime": "2024-05-02T09:00:00Z"}), T0)
            .unwrap();
        let sooner = store
            .admin_add_appointment(&id, &json!({"startTime": "2024-05-01T09:00:00Z"}), T0)
            .unwrap();
        assert_eq!(later.end_time, "2024-05-02T09:30:00.000Z");
        let listed = store.appointments(DEMO_LOCATION_ID, &id).unwrap();
        assert_eq!(
            listed.iter().map(|a| &a.id).collect::<Vec<_>>(),
            [&sooner.id, &later.id]
        );
    }
}
